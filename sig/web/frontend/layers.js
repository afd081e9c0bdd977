// The map's layers. Vector tiles come from the service's multi-layer OGC API tileset: one
// request per tile carries every visible theme and the CAOP boundaries, and each map layer
// (one per theme, for its own visibility, opacity and style) draws its part of the shared tiles.
// Each theme also has a rendered alternative (WMTS tiles of the maps service).
import MVT from 'ol/format/MVT.js';
import TileLayer from 'ol/layer/Tile.js';
import VectorTileLayer from 'ol/layer/VectorTile.js';
import VectorTileSource from 'ol/source/VectorTile.js';
import XYZ from 'ol/source/XYZ.js';
import {Fill, Stroke, Style} from 'ol/style.js';
import {geometryFamily, layerStyle} from './styles.js';

const Z_ORDER = {polygon: 10, line: 20, point: 30};
export const TERRITORY = ['municipios', 'freguesias'];

// The shared source; `showCollections` chooses what its tiles carry.
export function sharedSource(config) {
  const maxZoom = Math.min(...config.layers.map((d) => d.maxZoom));
  return new VectorTileSource({format: new MVT({layerName: 'layer'}), maxZoom});
}

export function showCollections(source, config, ids) {
  const list = [...new Set(ids)].sort().map(encodeURIComponent).join(',');
  const url = config.tiles.dataset.replace('{collections}', list);
  if (source.getUrls()?.[0] !== url) source.setUrl(url);
}

function only(name, style) {
  return (feature, resolution) => (feature.get('layer') === name ? style(feature, resolution)
    : null);
}

function vectorLayer(def, source, filter, zoomFor) {
  return new VectorTileLayer({
    source,
    style: only(def.id, layerStyle(def, filter, zoomFor)),
    minZoom: def.minZoom - 0.5,
    renderMode: 'hybrid',
  });
}

function rasterLayer(def, config) {
  return new TileLayer({
    source: new XYZ({url: config.tiles.raster.replaceAll('{layer}', encodeURIComponent(def.id)),
      maxZoom: def.maxZoom, transition: 0}),
    minZoom: def.minZoom - 0.5,
  });
}

// Both renderings of every theme; the mode chooses which one is visible.
export function themeLayers(config, source, filter, zoomFor) {
  const result = new Map();
  for (const def of config.layers) {
    const z = Z_ORDER[geometryFamily(def.geometry)];
    const vector = vectorLayer(def, source, filter, zoomFor);
    const raster = rasterLayer(def, config);
    vector.setZIndex(z);
    raster.setZIndex(z);
    result.set(def.id, {def, vector, raster});
  }
  return result;
}

// Drawn in this order inside one layer: municipality fill, freguesia lines, municipality lines.
const municipioStyle = [new Style({fill: new Fill({color: '#f7f7f2'}), zIndex: 0}),
  new Style({stroke: new Stroke({color: '#7a7a72', width: 1.4}), zIndex: 2})];
const freguesiaStyle = new Style({stroke: new Stroke({color: '#c2c2b8', width: 0.7}), zIndex: 1});
const maskStyle = new Style({fill: new Fill({color: 'rgba(40,40,40,0.28)'})});
const chosenStyle = new Style({stroke: new Stroke({color: '#0b5d7a', width: 3}), zIndex: 1});

// The local neutral basemap: CAOP municipalities and freguesias.
export function neutralBasemap(source) {
  const style = (feature) => ({municipios: municipioStyle, freguesias: freguesiaStyle})[
    feature.get('layer')] ?? null;
  const layer = new VectorTileLayer({source, style, zIndex: 0, renderMode: 'hybrid'});
  layer.set('basemap', 'neutro');
  return layer;
}

// Raster basemaps of the maps service (its rendered basemap; external ones when it offers them).
export function rasterBasemaps(config) {
  return (config.basemaps || []).map((b) => {
    const layer = new TileLayer({
      source: new XYZ({url: b.url, attributions: b.attribution || undefined, transition: 0}),
      zIndex: 0,
      visible: false,
    });
    layer.set('basemap', b.id);
    return layer;
  });
}

// Dims what lies outside the chosen municipality (or freguesia) and outlines the choice;
// hidden while nothing is chosen.
export function selectionLayer(source, filter) {
  const municipio = (feature) => {
    if (feature.get('dico') !== filter.municipio) return maskStyle;
    return filter.freguesia ? null : chosenStyle;
  };
  const freguesia = (feature) => {
    if (!filter.freguesia || feature.get('municipio') !== filter.municipio) return null;
    return feature.get('dicofre') === filter.freguesia ? chosenStyle : maskStyle;
  };
  const style = (feature) => {
    const kind = feature.get('layer');
    if (kind === 'municipios') return municipio(feature);
    return kind === 'freguesias' ? freguesia(feature) : null;
  };
  return new VectorTileLayer({source, style, zIndex: 40, renderMode: 'hybrid', visible: false});
}
