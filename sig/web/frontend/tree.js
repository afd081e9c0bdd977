// The layer tree: themes grouped as in the registry. A checked layer shows its legend (one
// swatch per class; single-symbol layers carry their swatch beside the name) and opacity.
import {el} from './dom.js';
import {gettext} from './i18n.js';
import {legendList, swatch} from './legend.js';

function opacityControl(def, title, state, onChange) {
  const slider = el('input', {type: 'range', min: 0, max: 100, step: 5, className: 'opacity',
    'aria-label': `${gettext('Opacidade')} — ${title}`, 'data-layer': def.id});
  slider.value = String(Math.round((state.opacity.get(def.id) ?? 1) * 100));
  slider.addEventListener('input', () => {
    state.opacity.set(def.id, Number(slider.value) / 100);
    onChange();
  });
  const label = el('span', {text: gettext('Opacidade')});
  return el('label', {className: 'opacity-label'}, [label, slider]);
}

function layerRow(entry, state, lang, onChange) {
  const {def} = entry;
  const title = def.title[lang] || def.title.pt;
  const box = el('input', {type: 'checkbox', id: `camada-${def.id}`, 'data-layer': def.id});
  box.checked = state.visible.has(def.id);
  const classified = def.legend.length > 0;
  const name = el('label', {className: 'layer-name', for: `camada-${def.id}`}, [
    box, classified ? null : swatch(def.style.default, def.geometry), el('span', {text: title})]);
  const extra = el('div', {className: 'layer-extra'}, [
    classified ? legendList(def, lang) : null, opacityControl(def, title, state, onChange)]);
  const row = el('li', {className: 'layer', 'data-layer': def.id}, [name, extra]);
  row.classList.toggle('on', box.checked);
  box.addEventListener('change', () => {
    if (box.checked) state.visible.add(def.id);
    else state.visible.delete(def.id);
    row.classList.toggle('on', box.checked);
    onChange();
  });
  return row;
}

export function buildTree(container, entries, state, lang, onChange) {
  const groups = new Map();
  for (const entry of entries.values()) {
    const name = entry.def.group[lang] || entry.def.group.pt;
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push(entry);
  }
  for (const [name, members] of groups) {
    const list = el('ul', {className: 'layers'});
    for (const entry of members) list.append(layerRow(entry, state, lang, onChange));
    container.append(el('details', {className: 'group', open: true}, [el('summary', {text: name}), list]));
  }
}

// Grey out layers that the current zoom does not show.
export function markZoomRange(container, entries, zoom) {
  for (const entry of entries.values()) {
    const row = container.querySelector(`li.layer[data-layer="${entry.def.id}"]`);
    if (row) {
      const out = zoom < entry.def.minZoom - 0.5;
      row.classList.toggle('out-of-range', out);
      row.title = out ? gettext('Aproxime o mapa para ver esta camada') : '';
    }
  }
}
