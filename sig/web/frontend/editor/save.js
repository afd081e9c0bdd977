// Saving, deleting and reloading a feature, and adding a point by its PT-TM06 coordinates.
// Every write carries If-Match; a stale one offers to reload or to save over it.
import Feature from 'ol/Feature.js';
import Point from 'ol/geom/Point.js';
import {byId, el} from '../dom.js';
import {gettext, interpolate} from '../i18n.js';
import {etag, itemsUrl, problemText, request} from './api.js';
import {app, editable, number, say, state} from './app.js';
import {clearErrors, renderForm, showChoices, showErrors, syncForm} from './form.js';
import {format, hidePopup, showPopup} from './mapview.js';
import {confirmDiscard, discardNew, propsOf, startEditing, stopEditing} from './session.js';
import {selectOnly} from './tools.js';

let saving = false;

function changedProps(current) {
  const original = propsOf(current.feature);
  const changed = {};
  Object.keys(current.props).forEach((k) => {
    if (current.isNew || current.props[k] !== original[k]) changed[k] = current.props[k];
  });
  return changed;
}

export function applyServerFeature(feature, data) {
  const fresh = format.readFeature(data);
  feature.setId(fresh.getId());
  feature.setProperties(fresh.getProperties());
  feature.setGeometry(fresh.getGeometry());
}

export async function save() {
  const current = state.current;
  if (!current || !editable(current.feature) || saving) return;
  syncForm();
  clearErrors();
  saving = true;
  try {
    await send(current);
  } finally {
    saving = false;
  }
}

async function send(current) {
  const feature = current.feature;
  const body = {type: 'Feature', properties: changedProps(current)};
  if (current.geomChanged) body.geometry = format.writeGeometryObject(feature.getGeometry());
  if (!current.isNew && !current.geomChanged && !Object.keys(body.properties).length) {
    say(gettext('Nada por gravar.'));
    return;
  }
  const themeId = state.theme.id;
  const result = current.isNew
    ? await request('POST', itemsUrl(themeId), body)
    : await request('PATCH', itemsUrl(themeId, feature.getId()), body,
      {'If-Match': etag(feature)});
  if (result.ok) return saved(feature, result);
  if (result.status === 412) return conflict(feature, result.data);
  showErrors(result.data, feature);
  say(interpolate(gettext('Não gravado: {reason}'), {reason: problemText(result.data)}));
}

function saved(feature, result) {
  applyServerFeature(feature, result.data);
  startEditing(feature, false);
  const version = feature.get('row_version');
  showPopup(feature, interpolate(gettext('Gravado (versão {version}).'), {version}), 'ok');
  say(interpolate(gettext('Elemento {id} gravado (versão {version}).'),
    {id: feature.getId(), version}));
}

export function conflict(feature, data) {
  const reload = el('button', {type: 'button', text: gettext('Recarregar a versão atual')});
  reload.addEventListener('click', () => {
    applyServerFeature(feature, data);
    startEditing(feature, false);
  });
  const overwrite = el('button', {type: 'button', text: gettext('Gravar por cima')});
  overwrite.addEventListener('click', () => {
    feature.set('row_version', data.properties.row_version);
    save();
  });
  const choices = gettext('Pode recarregar a versão atual ou gravar por cima.');
  showChoices(`${problemText(data)} ${choices}`, [reload, overwrite]);
  showPopup(feature, gettext('Alterado por outra pessoa entretanto.'), 'error');
  say(problemText(data));
}

function removed(feature) {
  selectOnly(null);
  app.source.removeFeature(feature);
  stopEditing();
  renderForm();
  hidePopup();
  say(interpolate(gettext('Elemento {id} eliminado; pode restaurá-lo em Eliminados.'),
    {id: feature.getId()}));
}

export async function removeCurrent() {
  const current = state.current;
  if (!current || !editable(current.feature)) {
    say(gettext('Selecione um elemento que possa editar.'));
    return;
  }
  if (current.isNew) {
    discardNew();
    return;
  }
  const feature = current.feature;
  const question = interpolate(gettext('Eliminar o elemento {id}?'), {id: feature.getId()});
  if (!window.confirm(question)) return;
  const result = await request('DELETE', itemsUrl(state.theme.id, feature.getId()), undefined,
    {'If-Match': etag(feature)});
  if (result.status === 204) removed(feature);
  else if (result.status === 412) conflict(feature, result.data);
  else showErrors(result.data, feature);
}

// The stored version of a feature, drawn and opened in the form (null when refused).
export async function reloadFeature(id) {
  const result = await request('GET', `${itemsUrl(state.theme.id, id)}?crs=EPSG:3763`);
  if (!result.ok) {
    say(problemText(result.data));
    return null;
  }
  let feature = app.source.getFeatureById(id);
  if (feature) {
    applyServerFeature(feature, result.data);
  } else {
    feature = format.readFeature(result.data);
    app.source.addFeature(feature);
  }
  state.hasChanges = false;
  startEditing(feature, false);
  return feature;
}

export function pointByCoordinates(event) {
  event.preventDefault();
  const e = Number(byId('coord-e').value);
  const n = Number(byId('coord-n').value);
  if (!state.theme.geometry.endsWith('Point')) {
    say(gettext('Este tema não é de pontos.'));
    return;
  }
  if (!app.config.user.municipios.length || !confirmDiscard()) return;
  const feature = new Feature({geometry: new Point([e, n]), municipio: null});
  app.source.addFeature(feature);
  startEditing(feature, true);
  selectOnly(feature);
  app.map.getView().animate({center: [e, n], duration: 200});
  say(interpolate(gettext('Novo ponto em E {e}, N {n}: preencha os atributos e grave.'),
    {e: number(e), n: number(n)}));
}
