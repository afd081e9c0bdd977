// Sending the report: multipart (with the photos) to /ocorrencias/ asking for JSON; on success
// the public code and the link to its status page, otherwise each problem next to its field.
import {byId, getJSON} from '../dom.js';
import {gettext} from '../i18n.js';
import {checkPhotos, clearErrors, localProblems, setupCategoryQuestions, showFieldError} from './fields.js';

// The answer's field names → the field whose message line shows the problem.
function fieldFor(campo) {
  if (campo === 'lon') return 'lat';
  if (campo.startsWith('atributos.')) return 'categoria';
  return campo;
}

function showProblems(form, problems, summary) {
  let shown = 0;
  for (const [field, message] of problems) {
    if (showFieldError(form, fieldFor(field), message)) shown += 1;
  }
  const box = byId('form-error');
  box.textContent = summary || gettext('Verifique os campos assinalados.');
  box.hidden = false;
  const first = form.querySelector('.field-error:not([hidden])');
  (first && shown ? first.closest('fieldset') : box).scrollIntoView({block: 'center'});
}

function showDone(config, answer) {
  byId('report-form').hidden = true;
  const done = byId('report-done');
  byId('done-code').textContent = answer.codigo;
  byId('done-link').href = answer.url + (config.lang === 'en' ? '?lang=en' : '');
  done.hidden = false;
  done.focus();
}

// A fresh form token when the old one expired (the page was left open for a long time).
async function renewToken(config, form) {
  const fresh = await getJSON(config.formJson);
  form.elements.formulario.value = fresh.formulario;
}

async function send(config, form) {
  const response = await fetch(config.submit, {method: 'POST', body: new FormData(form),
    headers: {Accept: 'application/json'}});
  const body = await response.json().catch(() => ({}));
  if (response.status === 201) return showDone(config, body);
  if (body.code === 'InvalidForm') await renewToken(config, form);
  const problems = (body.erros || []).map((e) => [e.campo, e.mensagem]);
  const retry = response.status === 429 ? gettext('Demasiadas ocorrências seguidas: tente mais tarde.') : null;
  return showProblems(form, problems, retry || body.description || `HTTP ${response.status}`);
}

export function setupReportForm(config, place) {
  const form = byId('report-form');
  setupCategoryQuestions(form);
  byId('fotografias').addEventListener('change', () => {
    clearErrors(form);
    const problem = checkPhotos(config);
    if (problem) showFieldError(form, 'fotografias', problem);
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const problems = localProblems(form, config, place);
    if (problems.length) return showProblems(form, problems);
    const button = byId('send');
    button.disabled = true;
    button.textContent = gettext('A enviar…');
    try {
      await send(config, form);
    } catch (error) {
      showProblems(form, [], gettext('Sem ligação ao serviço. Tente novamente.'));
    } finally {
      button.disabled = false;
      button.textContent = gettext('Enviar ocorrência');
    }
    return undefined;
  });
}
