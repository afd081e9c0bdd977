// The web editor of municipal staff: OpenLayers in PT-TM06 (EPSG:3763); every read and write
// goes to the editing API under /editor/api with the session cookie, the CSRF token and
// If-Match. The database decides what may be saved; its messages are shown next to the
// feature. All text from the server is inserted with textContent (never as HTML).
import 'ol/ol.css';
import {byId} from '../dom.js';
import {setCatalog} from '../i18n.js';
import {configureApi} from './api.js';
import {app, state} from './app.js';
import {bulkApply, renderBulkField} from './bulk.js';
import {showDeleted} from './deleted.js';
import {formChanged} from './form.js';
import {showHistory} from './history.js';
import {createMap} from './mapview.js';
import {chooseMunicipio, chooseTheme, fillMenus, loadBoundaries} from './menus.js';
import {pointByCoordinates, removeCurrent, save} from './save.js';
import {focusFeature, search} from './search.js';
import {cancel, undo} from './session.js';
import {setTool, setupSelection} from './tools.js';
import {upload} from './upload.js';

const KEYS = {s: 'select', d: 'draw', b: 'hole', v: 'modify', m: 'move'};

function isTyping(event) {
  return ['INPUT', 'SELECT', 'TEXTAREA'].includes(event.target.tagName);
}

function onKey(event) {
  const ctrl = event.ctrlKey || event.metaKey;
  const key = event.key.toLowerCase();
  if (ctrl && key === 's') {
    event.preventDefault();
    save();
  } else if (event.key === 'Escape') {
    cancel();
  } else if (isTyping(event)) {
    return;
  } else if (ctrl && key === 'z') {
    event.preventDefault();
    undo();
  } else if (event.key === 'Delete') {
    removeCurrent();
  } else if (!ctrl && !event.altKey && KEYS[key]) {
    setTool(KEYS[key]);
  }
}

const HANDLERS = [
  ['desfazer', 'click', undo], ['eliminar', 'click', removeCurrent], ['cancelar', 'click', cancel],
  ['form-atributos', 'submit', (e) => { e.preventDefault(); save(); }],
  ['form-atributos', 'change', formChanged], ['ver-historico', 'click', showHistory],
  ['ver-eliminados', 'click', showDeleted], ['form-pesquisa', 'submit', search],
  ['form-coordenadas', 'submit', pointByCoordinates], ['form-lote', 'submit', bulkApply],
  ['lote-atributo', 'change', renderBulkField], ['form-importar', 'submit', upload],
  ['tema', 'change', (e) => chooseTheme(e.target.value)],
  ['municipio', 'change', (e) => chooseMunicipio(e.target.value)],
];

function wire() {
  document.querySelectorAll('[data-tool]').forEach((button) => {
    button.addEventListener('click', () => setTool(button.dataset.tool));
  });
  HANDLERS.forEach(([id, type, handler]) => byId(id).addEventListener(type, handler));
  document.addEventListener('keydown', onKey);
  window.addEventListener('beforeunload', (e) => { if (state.hasChanges) e.preventDefault(); });
}

function start() {
  app.config = JSON.parse(byId('sig-editor-config').textContent);
  setCatalog(app.config.catalog);
  app.mine = new Set(app.config.user.municipios);
  configureApi(app.config.api, document.querySelector('meta[name="csrf-token"]').content);
  const map = createMap(app.config.pttm06);
  setupSelection(map);
  fillMenus();
  wire();
  const params = new URLSearchParams(window.location.search);
  const wanted = params.get('tema');
  const themeId = app.config.themes.some((t) => t.id === wanted) ? wanted : app.config.themes[0].id;
  byId('tema').value = themeId;
  chooseTheme(themeId);
  loadBoundaries();
  if (params.get('elemento')) focusFeature(params.get('elemento'));
  // A handle for automation and debugging in the browser console.
  window.sigEditor = {map, state, select: app.select, get source() { return app.source; },
    setTool, save};
}

start();
