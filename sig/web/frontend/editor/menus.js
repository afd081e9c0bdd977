// The municipality and theme menus: the person's own municipalities first, themes grouped as
// in the registry; choosing a theme loads its features, choosing a municipality goes there.
import {byId, el} from '../dom.js';
import {gettext, interpolate} from '../i18n.js';
import {apiUrl, request} from './api.js';
import {app, note, say, state} from './app.js';
import {renderForm} from './form.js';
import {boundaries, format, makeSource, redrawBoundaries} from './mapview.js';
import {confirmDiscard} from './session.js';
import {selectOnly, setTool} from './tools.js';

function municipioLabel(m) {
  return `${m.nome} (${m.dico})${app.mine.has(m.dico) ? '' : ` — ${gettext('consulta')}`}`;
}

export function fillMenus() {
  const mine = app.mine;
  const sorted = app.config.municipios.slice().sort((a, b) =>
    (mine.has(b.dico) - mine.has(a.dico)) || a.nome.localeCompare(b.nome, 'pt'));
  byId('municipio').append(...sorted.map((m) => el('option', {value: m.dico, text: municipioLabel(m)})));
  const themes = byId('tema');
  const groups = new Map();
  app.config.themes.forEach((t) => {
    if (!groups.has(t.group)) {
      groups.set(t.group, el('optgroup', {label: t.group}));
      themes.append(groups.get(t.group));
    }
    groups.get(t.group).append(el('option', {value: t.id, text: t.title}));
  });
}

export function chooseTheme(themeId) {
  if (!confirmDiscard()) {
    byId('tema').value = state.theme.id;
    return;
  }
  state.theme = app.config.themes.find((t) => t.id === themeId);
  state.current = null;
  selectOnly(null);
  app.source = makeSource(themeId);
  app.featureLayer.setSource(app.source);
  byId('lote-atributo').replaceChildren();
  byId('painel-lote').hidden = true;
  byId('eliminados').replaceChildren();
  byId('resultados').replaceChildren();
  renderForm();
  setTool('select');
  document.querySelector('[data-tool="hole"]').hidden = !state.theme.geometry.endsWith('Polygon');
  note(interpolate(gettext('Tema: {theme}.'), {theme: state.theme.title}));
}

export function chooseMunicipio(dico) {
  state.municipio = dico;
  const boundary = boundaries.getFeatureById(dico);
  if (boundary) {
    app.map.getView().fit(boundary.getGeometry().getExtent(), {padding: [20, 20, 20, 20]});
  }
  redrawBoundaries();
}

export async function loadBoundaries() {
  const result = await request('GET', apiUrl('/municipios'));
  if (!result.ok) {
    say(gettext('Limites dos municípios indisponíveis.'));
    return;
  }
  boundaries.addFeatures(format.readFeatures(result.data));
  chooseMunicipio(byId('municipio').value);
}
