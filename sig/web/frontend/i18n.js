// Interface texts, chosen by the server (pt-PT unless English was asked for).
let texts = {};

export function setTexts(values) {
  texts = values || {};
}

export function t(key) {
  return texts[key] ?? key;
}

// Numbers in the page's language (pt-PT: 1 234,5).
export function formatNumber(value, digits, lang) {
  return new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'pt-PT', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value);
}
