// The editor's shared state: its configuration, the feature being edited and the map's parts,
// filled in at start-up (main.js). Status messages and who may edit what live here too.
import {byId} from '../dom.js';

// What the person is doing; `window.sigEditor.state` shows it to automation.
export const state = {
  theme: null, // theme schema from the registry
  municipio: null, // DICO chosen in the menu
  tool: 'select',
  current: null, // {feature, isNew, geomChanged, props, undo: []}
  hasChanges: false,
};

// Set once by main.js and mapview.js; `source` changes with the theme.
export const app = {
  config: null, // the page's configuration (sig/editing/editor_config.py)
  mine: new Set(), // the municipalities the person edits
  map: null,
  featureLayer: null,
  source: null,
  select: null,
};

// The status line (a live region). What came of the person's own action (say) stays at
// least OUTCOME_MS: routine news (note: the theme chosen, the features loaded as the map
// moves or after a save) does not replace it sooner.
const OUTCOME_MS = 3000;
let outcomeAt = -Infinity;

export function say(message) {
  byId('estado').textContent = message;
  outcomeAt = performance.now();
}

export function note(message) {
  if (performance.now() - outcomeAt >= OUTCOME_MS) byId('estado').textContent = message;
}

// The locale of numbers and dates: the page's language (pt-PT unless English was chosen).
export function locale() {
  return app.config && app.config.lang === 'en' ? 'en-GB' : 'pt-PT';
}

export function number(value) {
  return value.toLocaleString(locale(), {minimumFractionDigits: 2, maximumFractionDigits: 2});
}

export function editable(feature) {
  if (!feature || !app.config.user.municipios.length) return false;
  return !feature.getId() || app.mine.has(feature.get('municipio'));
}

export function attributeOf(name) {
  return state.theme.attributes.find((a) => a.name === name);
}
