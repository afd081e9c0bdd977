// "Alteração em lote": one attribute value on every selected feature the person may edit,
// all or nothing (the server checks every version).
import {byId, el} from '../dom.js';
import {gettext, interpolate} from '../i18n.js';
import {collectionUrl, problemText, request} from './api.js';
import {app, attributeOf, editable, say, state} from './app.js';
import {fieldFor, readValue} from './fields.js';

export function renderBulk(selected) {
  const editableOnes = selected.filter((f) => f.getId() && editable(f));
  byId('painel-lote').hidden = selected.length < 2;
  if (selected.length < 2) return;
  byId('lote-info').textContent = interpolate(gettext('{n} selecionados, {editable} editáveis.'),
    {n: selected.length, editable: editableOnes.length});
  const chooser = byId('lote-atributo');
  if (!chooser.options.length) {
    state.theme.attributes.forEach((a) => chooser.append(el('option', {value: a.name, text: a.title})));
    renderBulkField();
  }
}

export function renderBulkField() {
  byId('lote-campo').replaceChildren(fieldFor(attributeOf(byId('lote-atributo').value), 'lote-'));
}

export async function bulkApply(event) {
  event.preventDefault();
  const attribute = attributeOf(byId('lote-atributo').value);
  const targets = app.select.getFeatures().getArray().filter((f) => f.getId() && editable(f));
  const versions = {};
  targets.forEach((f) => { versions[f.getId()] = f.get('row_version'); });
  const value = readValue(attribute, byId(`lote-${attribute.name}`));
  const body = {versoes: versions, properties: {[attribute.name]: value}};
  const result = await request('POST', collectionUrl(state.theme.id, 'lote'), body);
  const message = byId('lote-mensagem');
  if (!result.ok) {
    message.textContent = problemText(result.data);
    return;
  }
  targets.forEach((f) => {
    f.set(attribute.name, value);
    f.set('row_version', result.data.versoes[String(f.getId())]);
  });
  message.textContent = interpolate(gettext('{n} elementos alterados.'), {n: targets.length});
  say(message.textContent);
}
