// The triage page of the web editor: queue, map and detail of the occurrences the person's
// municipalities receive, through the triage JSON API.
import 'ol/ol.css';
import './triage.css';
import {byId} from '../dom.js';
import {gettext, interpolate, setCatalog} from '../i18n.js';
import {call} from './api.js';
import {setupDetail} from './detail.js';
import {setupQueue} from './queue.js';
import {createTriageMap} from './tmap.js';

const config = JSON.parse(byId('sig-triage-config').textContent);
setCatalog(config.catalog);
let queue = null;
let detail = null;

async function open(codigo) {
  try {
    const o = await call(`${config.api}${encodeURIComponent(codigo)}`);
    tmap.choose(queue.find(codigo) || o);
    detail.show(o);
    byId('detalhe').focus();
  } catch (error) {
    byId('fila-estado').textContent = interpolate(gettext('Erro: {reason}'), {reason: error.message});
  }
}

const tmap = createTriageMap(config, open);
queue = setupQueue(config, (items) => tmap.show(items), open);
detail = setupDetail(config, tmap, async (codigo) => {
  await queue.load();
  await open(codigo);
});
queue.load();
window.sigTriage = {map: tmap.map, open};
