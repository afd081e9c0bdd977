// Municipality and freguesia selectors: zoom to the area and filter the map to it.
import {transformExtent} from 'ol/proj.js';
import {byId, clear, el} from './dom.js';
import {gettext} from './i18n.js';

function fit(map, bbox) {
  map.getView().fit(transformExtent(bbox, 'EPSG:4326', 'EPSG:3857'),
    {padding: [30, 30, 30, 30], duration: 300});
}

function fillFreguesias(select, config, dico) {
  clear(select);
  select.append(el('option', {value: '', text: gettext('Todas as freguesias')}));
  for (const f of config.freguesias.filter((f) => f.municipio === dico)) {
    select.append(el('option', {value: f.dicofre, text: f.nome}));
  }
  select.disabled = !dico;
}

export function setupSelector(map, config, filter, onChange) {
  const municipio = byId('select-municipio');
  const freguesia = byId('select-freguesia');
  for (const m of config.municipios) {
    municipio.append(el('option', {value: m.dico, text: `${m.nome} (${m.dico})`}));
  }
  municipio.value = filter.municipio || '';
  fillFreguesias(freguesia, config, filter.municipio);
  freguesia.value = filter.freguesia || '';
  municipio.addEventListener('change', () => {
    filter.municipio = municipio.value || null;
    filter.freguesia = null;
    fillFreguesias(freguesia, config, filter.municipio);
    const chosen = config.municipios.find((m) => m.dico === filter.municipio);
    fit(map, chosen ? chosen.bbox : config.home);
    onChange();
  });
  freguesia.addEventListener('change', () => {
    filter.freguesia = freguesia.value || null;
    const chosen = config.freguesias.find((f) => f.dicofre === filter.freguesia)
      || config.municipios.find((m) => m.dico === filter.municipio);
    if (chosen) fit(map, chosen.bbox);
    onChange();
  });
}
