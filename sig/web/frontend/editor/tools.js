// The editing tools: select (Shift+click adds, Ctrl+drag selects in a box), draw, hole,
// vertices and move, with snapping to every feature of the theme.
import Collection from 'ol/Collection.js';
import {platformModifierKeyOnly, shiftKeyOnly} from 'ol/events/condition.js';
import DragBox from 'ol/interaction/DragBox.js';
import Draw from 'ol/interaction/Draw.js';
import Modify from 'ol/interaction/Modify.js';
import Select from 'ol/interaction/Select.js';
import Snap from 'ol/interaction/Snap.js';
import Translate from 'ol/interaction/Translate.js';
import {gettext} from '../i18n.js';
import {app, editable, say, state} from './app.js';
import {showPopup} from './mapview.js';
import {
  confirmDiscard, geometryChanged, pushUndo, selectionChanged, startEditing, undo,
} from './session.js';
import {featureStyle} from './styles.js';

let toolInteractions = [];
let snap = null;

export function setupSelection(map) {
  app.select = new Select({layers: [app.featureLayer], hitTolerance: 6, style: featureStyle,
    toggleCondition: shiftKeyOnly});
  const dragBox = new DragBox({condition: platformModifierKeyOnly});
  dragBox.on('boxend', () => {
    const chosen = app.select.getFeatures();
    app.source.forEachFeatureIntersectingExtent(dragBox.getGeometry().getExtent(), (feature) => {
      if (!chosen.getArray().includes(feature)) chosen.push(feature);
    });
    selectionChanged();
  });
  app.select.on('select', selectionChanged);
  map.addInteraction(app.select);
  map.addInteraction(dragBox);
}

export function selectOnly(feature) {
  app.select.getFeatures().clear();
  if (feature) app.select.getFeatures().push(feature);
}

function makeDraw() {
  const draw = new Draw({source: app.source, type: state.theme.geometry.replace('Multi', '')});
  draw.on('drawend', (event) => {
    const feature = event.feature;
    if (!confirmDiscard()) {
      setTimeout(() => app.source.removeFeature(feature));
      return;
    }
    feature.set('municipio', null);
    startEditing(feature, true);
    selectOnly(feature);
    setTool('select');
    say(gettext('Novo elemento desenhado: preencha os atributos e grave.'));
  });
  return draw;
}

function addHole(ring) {
  const current = state.current;
  const geometry = current.feature.getGeometry();
  pushUndo();
  if (geometry.getType() === 'Polygon') {
    geometry.appendLinearRing(ring);
  } else {
    const coords = geometry.getCoordinates();
    const first = ring.getFirstCoordinate();
    const index = geometry.getPolygons().findIndex((p) => p.intersectsCoordinate(first));
    if (index < 0) {
      undo();
      showPopup(current.feature, gettext('O buraco tem de ficar dentro do polígono.'));
      return;
    }
    coords[index].push(ring.getCoordinates());
    geometry.setCoordinates(coords);
  }
  geometryChanged();
}

function makeHoleDraw() {
  const draw = new Draw({type: 'Polygon'});
  draw.on('drawend', (event) => addHole(event.feature.getGeometry().getLinearRing(0)));
  return draw;
}

function editableCollection() {
  const current = state.current;
  return new Collection(current && editable(current.feature) ? [current.feature] : []);
}

function makeModify() {
  const modify = new Modify({features: editableCollection()});
  modify.on('modifystart', () => pushUndo());
  modify.on('modifyend', geometryChanged);
  return modify;
}

function makeTranslate() {
  const translate = new Translate({features: editableCollection()});
  translate.on('translatestart', () => pushUndo());
  translate.on('translateend', geometryChanged);
  return translate;
}

const TOOLS = {
  select: () => [],
  draw: () => [makeDraw()],
  hole: () => [makeHoleDraw()],
  modify: () => [makeModify()],
  move: () => [makeTranslate()],
};

function toolAllowed(name) {
  const current = state.current;
  if (name === 'draw') return app.config.user.municipios.length > 0;
  if (name === 'hole') {
    return state.theme.geometry.endsWith('Polygon') && current && editable(current.feature);
  }
  if (name === 'modify' || name === 'move') return current && editable(current.feature);
  return true;
}

function refusal(name) {
  if (name === 'draw') return gettext('Não tem municípios para editar.');
  if (name === 'hole') {
    return gettext('Selecione primeiro um elemento que possa editar (só polígonos).');
  }
  return gettext('Selecione primeiro um elemento que possa editar.');
}

export function setTool(wanted) {
  let name = wanted;
  if (!toolAllowed(name)) {
    say(refusal(name));
    name = 'select';
  }
  const map = app.map;
  toolInteractions.forEach((i) => map.removeInteraction(i));
  if (snap) map.removeInteraction(snap);
  toolInteractions = TOOLS[name]();
  toolInteractions.forEach((i) => map.addInteraction(i));
  app.select.setActive(name !== 'draw' && name !== 'hole');
  snap = new Snap({source: app.source, pixelTolerance: 10});
  map.addInteraction(snap); // last, so it snaps what the others draw
  state.tool = name;
  document.querySelectorAll('[data-tool]').forEach((button) => {
    button.setAttribute('aria-pressed', String(button.dataset.tool === name));
  });
}
