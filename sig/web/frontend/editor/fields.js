// Form fields built from the registry's attribute schema: code lists as selects, required
// fields, types and limits, help text and a place for the database's message.
import {el} from '../dom.js';
import {gettext} from '../i18n.js';

const NUMERIC = new Set(['integer', 'decimal']);

function codeSelect(attribute, id) {
  const input = el('select', {id});
  input.append(el('option', {value: '', text: attribute.required ? gettext('— escolha —') : '—'}));
  attribute.codes.forEach((c) => input.append(el('option', {value: c.code, text: c.label})));
  return input;
}

function inputFor(attribute, idPrefix) {
  const id = idPrefix + attribute.name;
  const type = attribute.type;
  let input;
  if (type === 'code') input = codeSelect(attribute, id);
  else if (type === 'boolean') input = el('input', {id, type: 'checkbox'});
  else if (NUMERIC.has(type)) {
    input = el('input', {id, type: 'number', step: type === 'integer' ? '1' : 'any',
      min: attribute.min, max: attribute.max});
  } else if (type === 'date') input = el('input', {id, type: 'date'});
  else if (type === 'datetime') input = el('input', {id, type: 'datetime-local'});
  else input = el('input', {id, type: 'text', maxlength: attribute.max_length});
  input.name = attribute.name;
  if (attribute.required && type !== 'boolean') input.required = true;
  return input;
}

function labelText(attribute) {
  return attribute.title + (attribute.unit ? ` (${attribute.unit})` : '') +
    (attribute.required ? ' *' : '');
}

export function fieldFor(attribute, idPrefix) {
  const wrapper = el('div', {class: 'field'});
  const input = inputFor(attribute, idPrefix);
  const described = [];
  wrapper.append(el('label', {for: input.id, text: labelText(attribute)}), input);
  if (attribute.help) {
    wrapper.append(el('small', {id: `${input.id}-ajuda`, class: 'help', text: attribute.help}));
    described.push(`${input.id}-ajuda`);
  }
  const error = el('span', {id: `${input.id}-erro`, class: 'field-error', 'aria-live': 'polite'});
  wrapper.append(error);
  described.push(error.id);
  input.setAttribute('aria-describedby', described.join(' '));
  return wrapper;
}

export function readValue(attribute, input) {
  if (attribute.type === 'boolean') return input.checked;
  const raw = input.value;
  if (raw === '') return null;
  if (NUMERIC.has(attribute.type)) return Number(raw);
  if (attribute.type === 'datetime') return raw.length === 16 ? `${raw}:00` : raw;
  return raw;
}

export function writeValue(attribute, input, value) {
  if (attribute.type === 'boolean') input.checked = value === true;
  else if (attribute.type === 'datetime' && value) input.value = String(value).slice(0, 16);
  else input.value = value === null || value === undefined ? '' : String(value);
}
