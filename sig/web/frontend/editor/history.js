// "Histórico": a feature's timeline with the changed values, a small map of the old (red) and
// new (blue) geometry, and "Reverter para este estado".
import Feature from 'ol/Feature.js';
import OlMap from 'ol/Map.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import {byId, el} from '../dom.js';
import {gettext, interpolate} from '../i18n.js';
import {etag, itemsUrl, problemText, request} from './api.js';
import {attributeOf, editable, locale, say, state} from './app.js';
import {showErrors} from './form.js';
import {format, gridView} from './mapview.js';
import {applyServerFeature, conflict} from './save.js';
import {startEditing} from './session.js';
import {historyStyle} from './styles.js';

const historySource = new VectorSource();
let historyMap = null;

function ensureHistoryMap() {
  if (historyMap) {
    historyMap.updateSize();
    return;
  }
  historyMap = new OlMap({target: 'historico-mapa', controls: [],
    layers: [new VectorLayer({source: historySource, style: historyStyle})],
    view: gridView({center: [0, 0], zoom: 10})});
}

function showGeometries(entry) {
  ensureHistoryMap();
  historySource.clear();
  [['antes', entry.geometria_antes], ['depois', entry.geometria_depois]].forEach(([when, g]) => {
    if (g) historySource.addFeature(new Feature({geometry: format.readGeometry(g), quando: when}));
  });
  if (historySource.getFeatures().length) {
    historyMap.getView().fit(historySource.getExtent(), {maxZoom: 13, padding: [20, 20, 20, 20]});
  }
}

function systemTitles() {
  return {municipio: gettext('Município'), freguesia: gettext('Freguesia'),
    fonte: gettext('Fonte'), fonte_id: gettext('Identificador na fonte'),
    import_run: gettext('Importação')};
}

function fieldTitle(key) {
  const attribute = attributeOf(key);
  return attribute ? attribute.title : (systemTitles()[key] || key);
}

function operationName(entry) {
  const names = {I: gettext('criação'), U: gettext('alteração'), D: gettext('eliminação')};
  return names[entry.op] || entry.operacao;
}

function shown(key, value) {
  if (value === null || value === undefined) return '—';
  const code = attributeOf(key)?.codes?.find((c) => c.code === value);
  if (code) return code.label;
  if (typeof value === 'boolean') return value ? gettext('sim') : gettext('não');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function diffTable(entry) {
  const before = entry.antes || {};
  const after = entry.depois || {};
  const table = el('table', {class: 'diff'}, [
    el('caption', {text: gettext('Valores alterados')}),
    el('tr', {}, [gettext('Campo'), gettext('Antes'), gettext('Depois')]
      .map((text) => el('th', {scope: 'col', text}))),
  ]);
  new Set([...Object.keys(before), ...Object.keys(after)]).forEach((key) => {
    if ((before[key] ?? null) === null && (after[key] ?? null) === null) return;
    table.append(el('tr', {}, [el('th', {scope: 'row', text: fieldTitle(key)}),
      el('td', {text: shown(key, before[key])}), el('td', {text: shown(key, after[key])})]));
  });
  return table;
}

function applicationLabel(name) {
  if (!name) return '';
  const revert = /^sig-editor:revert:(\d+)$/.exec(name);
  if (revert) {
    return interpolate(gettext('reversão para a alteração {change}'), {change: revert[1]});
  }
  if (/^sig-editor:restore:(\d+)$/.test(name)) return gettext('restauro');
  return name;
}

function entryHead(entry) {
  const when = new Date(entry.em).toLocaleString(locale());
  const application = entry.aplicacao ? ` (${applicationLabel(entry.aplicacao)})` : '';
  const version = `v${entry.versao ?? '—'}`;
  return `${operationName(entry)} · ${version} · ${when} · ${entry.autor}${application}`;
}

function historyItem(entry, isLast, feature) {
  const item = el('li', {class: `op-${entry.op}`}, [
    el('p', {class: 'entry-head', text: entryHead(entry)}), diffTable(entry)]);
  if (entry.geometria_antes || entry.geometria_depois) {
    const view = el('button', {type: 'button', text: gettext('Ver geometria')});
    view.addEventListener('click', () => showGeometries(entry));
    item.append(view);
  }
  if (!isLast && entry.op !== 'D' && editable(feature)) {
    const back = el('button', {type: 'button', text: gettext('Reverter para este estado')});
    back.addEventListener('click', () => revertTo(feature, entry.alteracao));
    item.append(' ', back);
  }
  return item;
}

export async function showHistory() {
  const current = state.current;
  if (!current || current.isNew) return;
  const feature = current.feature;
  const result = await request('GET', `${itemsUrl(state.theme.id, feature.getId())}/historico`);
  const list = byId('historico');
  list.replaceChildren();
  byId('painel-historico').hidden = false;
  if (!result.ok) {
    list.append(el('li', {text: problemText(result.data)}));
    return;
  }
  const latestFirst = result.data.alteracoes.slice().reverse();
  latestFirst.forEach((entry, i) => list.append(historyItem(entry, i === 0, feature)));
  const withGeometry = latestFirst.find((e) => e.geometria_depois || e.geometria_antes);
  if (withGeometry) showGeometries(withGeometry);
}

async function revertTo(feature, changeId) {
  const question = interpolate(
    gettext('Reverter o elemento {id} para o estado da alteração {change}?'),
    {id: feature.getId(), change: changeId});
  if (!window.confirm(question)) return;
  const result = await request('POST', `${itemsUrl(state.theme.id, feature.getId())}/reverter`,
    {alteracao: changeId}, {'If-Match': etag(feature)});
  if (result.status === 412) return conflict(feature, result.data);
  if (!result.ok) {
    showErrors(result.data, feature);
    return;
  }
  applyServerFeature(feature, result.data);
  startEditing(feature, false);
  say(interpolate(gettext('Elemento {id} revertido (versão {version}).'),
    {id: feature.getId(), version: feature.get('row_version')}));
  showHistory();
}
