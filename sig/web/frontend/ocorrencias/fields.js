// The report form's fields: the chosen category's extra questions, the photo list and the
// messages next to each field (inserted as text).
import {byId, clear, el} from '../dom.js';
import {formatNumber, gettext, interpolate} from '../i18n.js';

// Show and enable the extra questions of the chosen category only.
export function setupCategoryQuestions(form) {
  const show = () => {
    const chosen = form.elements.categoria.value;
    for (const block of form.querySelectorAll('.attribute')) {
      const on = block.dataset.categoria === chosen;
      block.hidden = !on;
      for (const input of block.querySelectorAll('input, select, textarea')) input.disabled = !on;
    }
  };
  for (const radio of form.querySelectorAll('input[name="categoria"]')) {
    radio.addEventListener('change', show);
  }
  show();
}

export function showFieldError(form, field, message) {
  const target = form.querySelector(`.field-error[data-for="${field}"]`);
  if (!target) return false;
  target.textContent = message;
  target.hidden = false;
  return true;
}

export function clearErrors(form) {
  for (const node of form.querySelectorAll('.field-error')) {
    node.textContent = '';
    node.hidden = true;
  }
  byId('form-error').hidden = true;
}

// The photos chosen: at most `maxPhotos`, each under `maxPhotoMb`; listed with their size.
export function checkPhotos(config) {
  const files = [...byId('fotografias').files];
  const list = byId('photo-list');
  clear(list);
  for (const file of files) {
    const size = file.size < 1048576 ? `${Math.ceil(file.size / 1024)} KB`
      : `${formatNumber(file.size / 1048576, 1, config.lang)} MB`;
    list.append(el('li', {text: `${file.name} (${size})`}));
  }
  if (files.length > config.maxPhotos) {
    return interpolate(gettext('Escolha no máximo {n} fotografias.'), {n: config.maxPhotos});
  }
  if (files.some((file) => file.size > config.maxPhotoMb * 1048576)) {
    return interpolate(gettext('Cada fotografia pode ter no máximo {n} MB.'),
      {n: config.maxPhotoMb});
  }
  return null;
}

// Problems the page can see before sending (the service checks everything again).
export function localProblems(form, config, place) {
  const problems = [];
  if (!form.elements.categoria.value) problems.push(['categoria', gettext('Escolha uma categoria.')]);
  if (!place.hasPoint() && !(form.elements.lat.value && form.elements.lon.value)) {
    problems.push(['lat', gettext('Marque o local no mapa, use a sua localização ou procure a morada.')]);
  }
  if (!form.elements.descricao.value.trim()) problems.push(['descricao', gettext('Descreva a ocorrência.')]);
  const photos = checkPhotos(config);
  if (photos) problems.push(['fotografias', photos]);
  return problems;
}
