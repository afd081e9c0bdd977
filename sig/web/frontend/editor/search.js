// Search the chosen theme by text in any text attribute, or by feature number.
import {byId, el} from '../dom.js';
import {gettext, interpolate} from '../i18n.js';
import {itemsUrl, problemText, request} from './api.js';
import {app, state} from './app.js';
import {reloadFeature} from './save.js';
import {confirmDiscard} from './session.js';
import {selectOnly} from './tools.js';

function labelOf(feature) {
  const props = feature.properties;
  const key = state.theme.label || state.theme.attributes.find((a) => a.type === 'text')?.name;
  const text = key && props[key] ? props[key] : state.theme.title;
  return `${text} (${interpolate(gettext('n.º {id}'), {id: feature.id})}, ${props.municipio})`;
}

function resultItem(feature) {
  const button = el('button', {type: 'button', text: labelOf(feature)});
  button.addEventListener('click', () => focusFeature(feature.id));
  return el('li', {}, button);
}

export async function search(event) {
  event.preventDefault();
  const q = byId('pesquisa').value.trim();
  const url = `${itemsUrl(state.theme.id)}?crs=EPSG:3763&limit=50&q=${encodeURIComponent(q)}` +
    (state.municipio ? `&municipio=${state.municipio}` : '');
  const result = await request('GET', url);
  const list = byId('resultados');
  list.replaceChildren();
  if (!result.ok) {
    list.append(el('li', {text: problemText(result.data)}));
    return;
  }
  if (!result.data.features.length) list.append(el('li', {text: gettext('Nada encontrado.')}));
  result.data.features.forEach((f) => list.append(resultItem(f)));
}

// Open a feature by its number: load it, select it and show it on the map.
export async function focusFeature(id) {
  if (!confirmDiscard()) return;
  const feature = await reloadFeature(id);
  if (!feature) return;
  selectOnly(feature);
  app.map.getView().fit(feature.getGeometry().getExtent(), {maxZoom: 12, duration: 300,
    padding: [80, 80, 80, 80]});
  app.featureLayer.changed();
}
