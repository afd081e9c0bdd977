// "Importar ficheiro": upload a file for the chosen theme and municipality and follow the
// import's progress until its summary (and the quarantine, when features were refused).
import {byId, el} from '../dom.js';
import {gettext} from '../i18n.js';
import {csrfToken, problemText, request} from './api.js';
import {app, state} from './app.js';

function sendFile(file) {
  const data = new FormData();
  data.append('ficheiro', file);
  data.append('tema', state.theme.id);
  data.append('municipio', state.municipio || '');
  return fetch(app.config.import_url, {method: 'POST', body: data, credentials: 'same-origin',
    headers: {'X-CSRFToken': csrfToken(), Accept: 'application/json'}});
}

export async function upload(event) {
  event.preventDefault();
  const status = byId('importar-estado');
  if (!app.config.import_url) {
    status.textContent = gettext('A importação não está disponível neste servidor.');
    return;
  }
  const file = byId('ficheiro').files[0];
  if (!file) return;
  const progress = byId('importar-progresso');
  progress.hidden = false;
  progress.value = 0;
  status.textContent = gettext('A enviar…');
  const response = await sendFile(file);
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    status.textContent = problemText(body);
    progress.hidden = true;
    return;
  }
  followImport(body.estado_url, status, progress);
}

function showOutcome(run, status, progress) {
  progress.value = 100;
  if (run.resumo) status.append(el('pre', {text: run.resumo}));
  if (run.quarentena_url) {
    const link = el('a', {href: run.quarentena_url, text: gettext('Descarregar a quarentena')});
    status.append(' ', link);
  }
  app.source.refresh();
}

async function followImport(url, status, progress) {
  const result = await request('GET', url);
  if (!result.ok) {
    status.textContent = problemText(result.data);
    return;
  }
  const run = result.data;
  progress.value = Math.round((run.progresso || 0) * 100);
  status.replaceChildren(el('span', {text: run.mensagem || run.estado}));
  if (run.terminado) showOutcome(run, status, progress);
  else setTimeout(() => followImport(url, status, progress), 1000);
}
