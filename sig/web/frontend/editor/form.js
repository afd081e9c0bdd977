// The attribute form of the feature being edited, and the database's messages next to the
// field concerned and in a balloon at the feature.
import {byId, el} from '../dom.js';
import {gettext, interpolate} from '../i18n.js';
import {problemText} from './api.js';
import {app, attributeOf, editable, state} from './app.js';
import {fieldFor, readValue, writeValue} from './fields.js';
import {showPopup} from './mapview.js';
import {pushUndo} from './session.js';

export function fillForm(props) {
  state.theme.attributes.forEach((a) => writeValue(a, byId(`campo-${a.name}`), props[a.name]));
}

function infoText(feature, isNew) {
  if (isNew) return gettext('Novo elemento (por gravar).');
  const parts = [
    interpolate(gettext('N.º {id}'), {id: feature.getId()}),
    interpolate(gettext('município {dico}'), {dico: feature.get('municipio')}),
    interpolate(gettext('freguesia {dicofre}'), {dicofre: feature.get('freguesia') || '—'}),
    interpolate(gettext('versão {version}'), {version: feature.get('row_version')}),
    interpolate(gettext('alterado por {who}'), {who: feature.get('updated_by') || '—'})];
  if (!editable(feature)) parts.push(gettext('só consulta (município de outra entidade)'));
  return parts.join(' · ');
}

export function renderForm() {
  const current = state.current;
  byId('painel-elemento').hidden = !current;
  byId('painel-historico').hidden = true;
  clearErrors();
  if (!current) return;
  const fields = byId('campos');
  fields.replaceChildren(...state.theme.attributes.map((a) => fieldFor(a, 'campo-')));
  fillForm(current.props);
  const canEdit = editable(current.feature);
  fields.querySelectorAll('input, select').forEach((i) => { i.disabled = !canEdit; });
  byId('gravar').hidden = !canEdit;
  byId('ver-historico').hidden = current.isNew;
  byId('elemento-info').textContent = infoText(current.feature, current.isNew);
}

export function formChanged(event) {
  const current = state.current;
  const attribute = state.theme && attributeOf(event.target.name);
  if (!current || !attribute) return;
  pushUndo();
  current.props[attribute.name] = readValue(attribute, event.target);
  state.hasChanges = true;
  app.featureLayer.changed();
}

// Values typed but not yet committed by a "change" event (e.g. Ctrl+S inside a field).
export function syncForm() {
  const current = state.current;
  const pending = state.theme.attributes.filter((a) => {
    const input = byId(`campo-${a.name}`);
    return input && readValue(a, input) !== current.props[a.name];
  });
  if (!pending.length) return;
  pushUndo();
  pending.forEach((a) => { current.props[a.name] = readValue(a, byId(`campo-${a.name}`)); });
  state.hasChanges = true;
}

export function clearErrors() {
  byId('mensagem').textContent = '';
  document.querySelectorAll('#campos .field-error').forEach((n) => { n.textContent = ''; });
  document.querySelectorAll('#campos [aria-invalid]').forEach((n) => n.removeAttribute('aria-invalid'));
}

export function showErrors(data, feature) {
  const text = problemText(data);
  byId('mensagem').textContent = text;
  ((data && data.erros) || []).forEach((problem) => {
    const target = byId(`campo-${problem.campo}-erro`);
    if (target) {
      target.textContent = problem.mensagem;
      byId(`campo-${problem.campo}`).setAttribute('aria-invalid', 'true');
    }
  });
  showPopup(feature, text, 'error');
}

// The message area with a text and buttons (a stale save's choices).
export function showChoices(message, buttons) {
  const area = byId('mensagem');
  area.replaceChildren(el('span', {text: message}));
  buttons.forEach((button) => area.append(' ', button));
}
