// The feature being edited: starting, undo before saving, abandoning, and what a change of
// selection means for unsaved work.
import {gettext} from '../i18n.js';
import {app, say, state} from './app.js';
import {renderBulk} from './bulk.js';
import {fillForm, renderForm} from './form.js';
import {hidePopup} from './mapview.js';
import {reloadFeature} from './save.js';
import {selectOnly, setTool} from './tools.js';

export function propsOf(feature) {
  const props = {};
  state.theme.attributes.forEach((a) => { props[a.name] = feature.get(a.name) ?? null; });
  return props;
}

export function startEditing(feature, isNew) {
  state.current = {feature, isNew, geomChanged: isNew, props: propsOf(feature), undo: []};
  state.hasChanges = isNew;
  hidePopup();
  renderForm();
  app.featureLayer.changed();
}

export function stopEditing() {
  state.current = null;
  state.hasChanges = false;
}

export function pushUndo() {
  const current = state.current;
  if (!current) return;
  current.undo.push({geometry: current.feature.getGeometry().clone(),
    props: {...current.props}, geomChanged: current.geomChanged});
}

export function geometryChanged() {
  state.current.geomChanged = true;
  state.hasChanges = true;
  hidePopup();
  app.featureLayer.changed();
  say(gettext('Geometria alterada (por gravar).'));
}

export function undo() {
  const current = state.current;
  if (!current) return;
  const last = current.undo.pop();
  if (!last) {
    if (current.isNew) {
      discardNew();
      say(gettext('Desenho anulado.'));
    } else {
      say(gettext('Nada para desfazer.'));
    }
    return;
  }
  current.feature.setGeometry(last.geometry);
  current.props = last.props;
  current.geomChanged = last.geomChanged;
  fillForm(current.props);
  state.hasChanges = current.isNew || current.undo.length > 0;
  app.featureLayer.changed();
  say(gettext('Alteração desfeita.'));
}

export function discardNew() {
  const current = state.current;
  if (current && current.isNew) app.source.removeFeature(current.feature);
  selectOnly(null);
  stopEditing();
  renderForm();
}

export async function cancel() {
  const current = state.current;
  if (!current) return;
  if (current.isNew) {
    discardNew();
    hidePopup();
    say(gettext('Novo elemento abandonado.'));
    return;
  }
  await reloadFeature(current.feature.getId());
  say(gettext('Alterações abandonadas.'));
}

// True when nothing unsaved is lost (or the person agreed to lose it).
export function confirmDiscard() {
  if (!state.hasChanges || !state.current) return true;
  if (!window.confirm(gettext('Há alterações por gravar. Abandoná-las?'))) return false;
  const current = state.current;
  if (current.isNew) app.source.removeFeature(current.feature);
  else if (current.undo.length) current.feature.setGeometry(current.undo[0].geometry);
  stopEditing();
  return true;
}

export function selectionChanged() {
  const selected = app.select.getFeatures().getArray();
  const current = state.current;
  if (current && !selected.includes(current.feature) && !confirmDiscard()) {
    selectOnly(current.feature);
    return;
  }
  if (selected.length === 1 && (!state.current || state.current.feature !== selected[0])) {
    startEditing(selected[0], false);
  } else if (selected.length !== 1) {
    stopEditing();
    renderForm();
  }
  renderBulk(selected);
  app.featureLayer.changed();
  if (state.tool === 'modify' || state.tool === 'move') setTool(state.tool);
}
