// Interface texts through gettext: the server embeds the djangojs catalogue of the page's
// language (sig/i18n.py, from locale/*/LC_MESSAGES/djangojs.po) in the configuration.
// Msgids are the pt-PT texts, so pt-PT shows them as written. Texts with values name them in
// braces: interpolate(gettext('{n} elementos carregados.'), {n: 3}).
let catalog = {};

export function setCatalog(values) {
  catalog = values || {};
}

export function gettext(msgid) {
  const text = catalog[msgid];
  return typeof text === 'string' ? text : msgid;
}

// The text with each {name} replaced by values[name] (names it does not know stay as written).
export function interpolate(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

// Numbers in the page's language (pt-PT: 1 234,5).
export function formatNumber(value, digits, lang) {
  return new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'pt-PT', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value);
}
