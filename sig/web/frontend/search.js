// Search box: municipalities, freguesias, facilities and addresses («rua número»).
import {fromLonLat, transformExtent} from 'ol/proj.js';
import {byId, clear, debounce, el, getJSON} from './dom.js';
import {gettext} from './i18n.js';

function describe(result) {
  const kind = {municipio: gettext('Município'), freguesia: gettext('Freguesia')}[result.tipo];
  return kind ? `${result.nome} — ${kind}` : `${result.nome} — ${result.detalhe}`;
}

export function setupSearch(map, config, showMarker) {
  const input = byId('search-input');
  const list = byId('search-results');
  let results = [];
  const go = (result) => {
    const view = map.getView();
    if (result.bbox) {
      view.fit(transformExtent(result.bbox, 'EPSG:4326', 'EPSG:3857'),
        {padding: [40, 40, 40, 40], duration: 400});
    } else {
      const centre = fromLonLat(result.ponto);
      view.animate({center: centre, zoom: 18, duration: 400});
      showMarker(centre, result.nome);
    }
    clear(list);
    list.hidden = true;
  };
  const show = (items) => {
    clear(list);
    results = items;
    if (!items.length) list.append(el('li', {className: 'none', text: gettext('Sem resultados.')}));
    for (const item of items) {
      const button = el('button', {type: 'button', 'data-kind': item.tipo, text: describe(item)});
      button.addEventListener('click', () => go(item));
      list.append(el('li', {}, button));
    }
    list.hidden = false;
  };
  const run = debounce(async () => {
    const q = input.value.trim();
    if (q.length < 2) {
      clear(list);
      list.hidden = true;
      return;
    }
    try {
      show((await getJSON(`${config.search}?${new URLSearchParams({q})}`)).resultados);
    } catch (error) {
      clear(list);
      const text = `${gettext('Ocorreu um erro. Tente novamente.')} (${error.message})`;
      list.append(el('li', {className: 'error', text}));
      list.hidden = false;
    }
  }, 250);
  input.addEventListener('input', run);
  byId('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (results.length) go(results[0]);
  });
}
