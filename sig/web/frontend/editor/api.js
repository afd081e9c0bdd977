// Requests to the editing API under /editor/api: session cookie, CSRF token, bodies in PT-TM06,
// If-Match from the feature's version. Problems come back as the server's texts, in the
// page's language.
import {gettext} from '../i18n.js';

const PTTM06_URI = '<http://www.opengis.net/def/crs/EPSG/0/3763>';
const endpoint = {base: '', csrf: ''};

export function configureApi(base, csrf) {
  endpoint.base = base;
  endpoint.csrf = csrf;
}

export function csrfToken() {
  return endpoint.csrf;
}

export function collectionUrl(themeId, tail) {
  return `${endpoint.base}/collections/${encodeURIComponent(themeId)}/${tail}`;
}

export function itemsUrl(themeId, id) {
  const base = collectionUrl(themeId, 'items');
  return id === undefined ? base : `${base}/${encodeURIComponent(id)}`;
}

export function apiUrl(path) {
  return endpoint.base + path;
}

export function etag(feature) {
  return `"${feature.getId()}-${feature.get('row_version')}"`;
}

function requestHeaders(method, headers) {
  const all = {Accept: 'application/geo+json, application/json', ...headers};
  if (method !== 'GET') {
    all['X-CSRFToken'] = endpoint.csrf;
    all['Content-Type'] = 'application/geo+json';
    all['Content-Crs'] = PTTM06_URI;
  }
  return all;
}

export async function request(method, url, body, headers) {
  const options = {method, credentials: 'same-origin', headers: requestHeaders(method, headers)};
  if (body !== undefined) options.body = JSON.stringify(body);
  const response = await fetch(url, options);
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  return {status: response.status, ok: response.ok, data, etag: response.headers.get('ETag')};
}

export function problemText(data) {
  if (!data) return gettext('Erro de comunicação com o servidor.');
  const parts = [data.description || gettext('Pedido recusado.')];
  if (data.detail) parts.push(data.detail);
  if (data.hint) parts.push(data.hint);
  return parts.join(' — ');
}
