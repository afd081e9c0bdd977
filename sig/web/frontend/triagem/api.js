// The triage JSON API (/editor/api/ocorrencias/) with the editor's session: JSON in and out,
// the CSRF token of the page on every POST; errors carry the service's message (in the page's
// language).
function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]').content;
}

export async function call(url, options = {}) {
  const headers = {Accept: 'application/json'};
  if (options.body) Object.assign(headers, {'Content-Type': 'application/json', 'X-CSRFToken': csrfToken()});
  const response = await fetch(url, {credentials: 'same-origin', ...options, headers});
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body.description || `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

export function post(url, data) {
  return call(url, {method: 'POST', body: JSON.stringify(data)});
}

export function listUrl(api, filters) {
  const query = new URLSearchParams();
  if (filters.estado) query.set('estado', filters.estado);
  if (filters.municipio) query.set('municipio', filters.municipio);
  if (filters.atrasadas) query.set('atrasadas', '1');
  return `${api}?${query}`;
}
