// "Eliminados": deleted features of a municipality not yet restored, and restoring one.
import {byId, el} from '../dom.js';
import {gettext, interpolate} from '../i18n.js';
import {collectionUrl, itemsUrl, problemText, request} from './api.js';
import {app, locale, say, state} from './app.js';
import {format} from './mapview.js';
import {focusFeature} from './search.js';

function deletedItem(entry) {
  const when = new Date(entry.em).toLocaleString(locale());
  const number = interpolate(gettext('N.º {id}'), {id: entry.elemento});
  const item = el('li', {text: `${number} · ${when} · ${entry.autor} `});
  if (app.mine.has(entry.municipio)) {
    const button = el('button', {type: 'button', text: gettext('Restaurar')});
    button.addEventListener('click', () => restore(entry.elemento));
    item.append(button);
  }
  return item;
}

export async function showDeleted() {
  const municipio = state.municipio || app.config.user.municipios[0] || '';
  const result = await request('GET', collectionUrl(state.theme.id, `eliminados?municipio=${municipio}`));
  const list = byId('eliminados');
  list.replaceChildren();
  if (!result.ok) {
    list.append(el('li', {text: problemText(result.data)}));
    return;
  }
  if (!result.data.eliminados.length) {
    list.append(el('li', {text: gettext('Sem elementos eliminados.')}));
  }
  result.data.eliminados.forEach((entry) => list.append(deletedItem(entry)));
}

async function restore(id) {
  const result = await request('POST', `${itemsUrl(state.theme.id, id)}/restaurar`, {});
  if (!result.ok) {
    say(problemText(result.data));
    return;
  }
  app.source.addFeature(format.readFeature(result.data));
  await focusFeature(id);
  say(interpolate(gettext('Elemento {id} restaurado.'), {id}));
  showDeleted();
}
