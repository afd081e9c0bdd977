/*
 * Web editor of the SIG Intermunicipal da Região de Leiria.
 *
 * OpenLayers (from npm, served by the service itself) in EPSG:3763; every read and write goes
 * to the editing API under /editor/api with the session cookie, the CSRF token and If-Match.
 * The database decides what may be saved; its messages are shown next to the feature.
 * All text from the server is inserted with textContent (never as HTML).
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("sig-editor-config").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const API = config.api;
  const PTTM06_URI = "<http://www.opengis.net/def/crs/EPSG/0/3763>";
  const $ = (id) => document.getElementById(id);
  const format = new ol.format.GeoJSON();
  const mine = new Set(config.user.municipios);

  const state = {
    theme: null,          // theme schema from the registry
    municipio: null,      // DICO chosen in the menu
    tool: "select",
    current: null,        // {feature, isNew, geomChanged, props, undo: []}
    hasChanges: false,
  };

  // ---- small utilities ----------------------------------------------------------------------

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v === true) node.setAttribute(k, "");
      else if (v !== false && v !== null && v !== undefined) node.setAttribute(k, v);
    });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function say(message) {
    $("estado").textContent = message;
  }

  function number(value) {
    return value.toLocaleString("pt-PT", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  }

  function etag(feature) {
    return '"' + feature.getId() + "-" + feature.get("row_version") + '"';
  }

  async function request(method, url, body, headers) {
    const options = {method, credentials: "same-origin", headers: Object.assign({
      "Accept": "application/geo+json, application/json",
    }, headers || {})};
    if (method !== "GET") {
      options.headers["X-CSRFToken"] = csrf;
      options.headers["Content-Type"] = "application/geo+json";
      options.headers["Content-Crs"] = PTTM06_URI;
    }
    if (body !== undefined) options.body = JSON.stringify(body);
    const response = await fetch(url, options);
    let data = null;
    if (response.status !== 204) {
      try { data = await response.json(); } catch (e) { data = null; }
    }
    return {status: response.status, ok: response.ok, data, etag: response.headers.get("ETag")};
  }

  function problemText(data) {
    if (!data) return "Erro de comunicação com o servidor.";
    const parts = [data.description || "Pedido recusado."];
    if (data.detail) parts.push(data.detail);
    if (data.hint) parts.push(data.hint);
    return parts.join(" — ");
  }

  function itemsUrl(id) {
    const base = API + "/collections/" + encodeURIComponent(state.theme.id) + "/items";
    return id === undefined ? base : base + "/" + encodeURIComponent(id);
  }

  function editable(feature) {
    if (!feature || !config.user.municipios.length) return false;
    return !feature.getId() || mine.has(feature.get("municipio"));
  }

  // ---- map ----------------------------------------------------------------------------------

  const EXTENT = [-262144, -748576, 262144, 300000];
  const projection = new ol.proj.Projection({code: "EPSG:3763", units: "m", extent: EXTENT});
  ol.proj.addProjection(projection);
  const resolutions = Array.from({length: 16}, (_, i) => 2048 / Math.pow(2, i));

  const boundarySource = new ol.source.Vector();
  const boundaryLayer = new ol.layer.Vector({
    source: boundarySource,
    style: (feature) => new ol.style.Style({
      stroke: new ol.style.Stroke({
        color: mine.has(feature.get("dico")) ? "#1d4f91" : "#777777",
        width: mine.has(feature.get("dico")) ? 2.5 : 1.2,
      }),
      fill: new ol.style.Fill({color: feature.get("dico") === state.municipio
        ? "rgba(29,79,145,0.04)" : "rgba(0,0,0,0)"}),
      text: new ol.style.Text({text: feature.get("nome"), font: "12px sans-serif",
        fill: new ol.style.Fill({color: "#555"}), overflow: true}),
    }),
  });

  let featureSource = new ol.source.Vector();
  const featureLayer = new ol.layer.Vector({source: featureSource, style: featureStyle});

  const map = new ol.Map({
    target: "mapa",
    layers: [boundaryLayer, featureLayer],
    view: new ol.View({projection, resolutions, center: [-57826, 9015], zoom: 6,
      extent: EXTENT, constrainResolution: false}),
    controls: ol.control.defaults.defaults().extend([new ol.control.ScaleLine()]),
  });

  const popup = new ol.Overlay({element: $("popup"), positioning: "bottom-center",
    offset: [0, -12], autoPan: {animation: {duration: 200}}});
  map.addOverlay(popup);

  function colours(feature, selected) {
    if (selected) return {stroke: "#e66100", fill: "rgba(230,97,0,0.35)"};
    if (editable(feature)) return {stroke: "#1d4f91", fill: "rgba(29,79,145,0.30)"};
    return {stroke: "#8c8c8c", fill: "rgba(140,140,140,0.20)"};
  }

  function featureStyle(feature) {
    const selected = select && select.getFeatures().getArray().includes(feature);
    const c = colours(feature, selected);
    const dirty = state.current && state.current.feature === feature && state.hasChanges;
    const stroke = new ol.style.Stroke({color: c.stroke, width: selected ? 3 : 2,
      lineDash: dirty ? [6, 4] : undefined});
    const fill = new ol.style.Fill({color: c.fill});
    return new ol.style.Style({
      stroke, fill, zIndex: editable(feature) ? 2 : 1,
      image: new ol.style.Circle({radius: selected ? 8 : 6, fill: new ol.style.Fill({
        color: c.stroke}), stroke: new ol.style.Stroke({color: "#ffffff", width: 1.5})}),
    });
  }

  map.on("pointermove", (event) => {
    const [e, n] = event.coordinate;
    $("coordenadas").textContent = "E " + number(e) + " m · N " + number(n) + " m";
  });

  function geometryAnchor(geometry) {
    const type = geometry.getType();
    if (type === "Point") return geometry.getCoordinates();
    if (type === "MultiPoint") return geometry.getPoint(0).getCoordinates();
    if (type === "LineString") return geometry.getCoordinateAt(0.5);
    if (type === "MultiLineString") return geometry.getLineString(0).getCoordinateAt(0.5);
    if (type === "Polygon") return geometry.getInteriorPoint().getCoordinates().slice(0, 2);
    return geometry.getInteriorPoints().getPoint(0).getCoordinates().slice(0, 2);
  }

  function showPopup(feature, message, kind) {
    const node = $("popup");
    node.textContent = message;
    node.className = "popup " + (kind || "error");
    node.hidden = false;
    popup.setPosition(feature && feature.getGeometry()
      ? geometryAnchor(feature.getGeometry()) : undefined);
  }

  function hidePopup() {
    $("popup").hidden = true;
    popup.setPosition(undefined);
  }

  // ---- sources per theme --------------------------------------------------------------------

  function makeSource(themeId) {
    const source = new ol.source.Vector({
      strategy: ol.loadingstrategy.bbox,
      loader: async (extent, resolution, proj, success, failure) => {
        const url = API + "/collections/" + encodeURIComponent(themeId) + "/items?bbox=" +
          extent.map((v) => v.toFixed(1)).join(",") + "&bbox-crs=EPSG:3763&crs=EPSG:3763&limit=5000";
        try {
          const result = await request("GET", url);
          if (!result.ok) throw new Error(problemText(result.data));
          const fresh = format.readFeatures(result.data)
            .filter((f) => !source.getFeatureById(f.getId()));
          source.addFeatures(fresh);
          success(fresh);
          say(source.getFeatures().length + " elementos carregados.");
        } catch (error) {
          say("Não foi possível carregar os elementos: " + error.message);
          failure();
        }
      },
    });
    return source;
  }

  // ---- interactions -------------------------------------------------------------------------

  const select = new ol.interaction.Select({
    layers: [featureLayer], hitTolerance: 6, style: featureStyle,
    toggleCondition: ol.events.condition.shiftKeyOnly,
  });
  const dragBox = new ol.interaction.DragBox({condition: ol.events.condition.platformModifierKeyOnly});
  dragBox.on("boxend", () => {
    const extent = dragBox.getGeometry().getExtent();
    featureSource.forEachFeatureIntersectingExtent(extent, (feature) => {
      if (!select.getFeatures().getArray().includes(feature)) select.getFeatures().push(feature);
    });
    selectionChanged();
  });
  select.on("select", selectionChanged);
  map.addInteraction(select);
  map.addInteraction(dragBox);

  let toolInteractions = [];
  let snap = null;

  function drawType() {
    return state.theme.geometry.replace("Multi", "");
  }

  function makeDraw() {
    const draw = new ol.interaction.Draw({source: featureSource, type: drawType()});
    draw.on("drawend", (event) => {
      if (!confirmDiscard()) { setTimeout(() => featureSource.removeFeature(event.feature)); return; }
      const feature = event.feature;
      feature.set("municipio", null);
      startEditing(feature, true);
      select.getFeatures().clear();
      select.getFeatures().push(feature);
      setTool("select");
      say("Novo elemento desenhado: preencha os atributos e grave.");
    });
    return draw;
  }

  function addHole(ring) {
    const current = state.current;
    const geometry = current.feature.getGeometry();
    const first = ring.getFirstCoordinate();
    pushUndo();
    if (geometry.getType() === "Polygon") {
      geometry.appendLinearRing(ring);
    } else {
      const coords = geometry.getCoordinates();
      const index = geometry.getPolygons().findIndex((p) => p.intersectsCoordinate(first));
      if (index < 0) { undo(); showPopup(current.feature, "O buraco tem de ficar dentro do polígono."); return; }
      coords[index].push(ring.getCoordinates());
      geometry.setCoordinates(coords);
    }
    geometryChanged();
  }

  function makeHoleDraw() {
    const draw = new ol.interaction.Draw({type: "Polygon"});
    draw.on("drawend", (event) => addHole(event.feature.getGeometry().getLinearRing(0)));
    return draw;
  }

  function editableCollection() {
    const current = state.current;
    const features = current && editable(current.feature) ? [current.feature] : [];
    return new ol.Collection(features);
  }

  function makeModify() {
    const modify = new ol.interaction.Modify({features: editableCollection()});
    modify.on("modifystart", () => pushUndo());
    modify.on("modifyend", geometryChanged);
    return modify;
  }

  function makeTranslate() {
    const translate = new ol.interaction.Translate({features: editableCollection()});
    translate.on("translatestart", () => pushUndo());
    translate.on("translateend", geometryChanged);
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
    if (name === "draw") return config.user.municipios.length > 0;
    if (name === "hole") {
      return state.theme.geometry.endsWith("Polygon") && state.current &&
        editable(state.current.feature);
    }
    if (name === "modify" || name === "move") return state.current && editable(state.current.feature);
    return true;
  }

  function setTool(name) {
    if (!toolAllowed(name)) {
      say(name === "draw" ? "Não tem municípios para editar." :
        "Selecione primeiro um elemento que possa editar" +
        (name === "hole" ? " (só polígonos)." : "."));
      name = "select";
    }
    toolInteractions.forEach((i) => map.removeInteraction(i));
    if (snap) map.removeInteraction(snap);
    toolInteractions = TOOLS[name]();
    toolInteractions.forEach((i) => map.addInteraction(i));
    select.setActive(name !== "draw" && name !== "hole");
    snap = new ol.interaction.Snap({source: featureSource, pixelTolerance: 10});
    map.addInteraction(snap);  // last, so it snaps what the others draw
    state.tool = name;
    document.querySelectorAll("[data-tool]").forEach((button) => {
      button.setAttribute("aria-pressed", String(button.dataset.tool === name));
    });
  }

  // ---- editing state and undo ---------------------------------------------------------------

  function propsOf(feature) {
    const props = {};
    state.theme.attributes.forEach((a) => { props[a.name] = feature.get(a.name) ?? null; });
    return props;
  }

  function startEditing(feature, isNew) {
    state.current = {feature, isNew, geomChanged: isNew, props: propsOf(feature), undo: []};
    state.hasChanges = isNew;
    hidePopup();
    renderForm();
    featureLayer.changed();
  }

  function pushUndo() {
    const current = state.current;
    if (!current) return;
    current.undo.push({geometry: current.feature.getGeometry().clone(),
      props: Object.assign({}, current.props), geomChanged: current.geomChanged});
  }

  function geometryChanged() {
    state.current.geomChanged = true;
    state.hasChanges = true;
    hidePopup();
    featureLayer.changed();
    say("Geometria alterada (por gravar).");
  }

  function undo() {
    const current = state.current;
    if (!current) return;
    const last = current.undo.pop();
    if (!last) {
      if (current.isNew) { discardNew(); say("Desenho anulado."); } else say("Nada para desfazer.");
      return;
    }
    current.feature.setGeometry(last.geometry);
    current.props = last.props;
    current.geomChanged = last.geomChanged;
    fillForm(current.props);
    state.hasChanges = current.isNew || current.undo.length > 0;
    featureLayer.changed();
    say("Alteração desfeita.");
  }

  function discardNew() {
    const current = state.current;
    if (current && current.isNew) featureSource.removeFeature(current.feature);
    select.getFeatures().clear();
    state.current = null;
    state.hasChanges = false;
    renderForm();
  }

  async function cancel() {
    const current = state.current;
    if (!current) return;
    if (current.isNew) { discardNew(); hidePopup(); say("Novo elemento abandonado."); return; }
    await reloadFeature(current.feature.getId());
    say("Alterações abandonadas.");
  }

  function confirmDiscard() {
    if (!state.hasChanges || !state.current) return true;
    if (!window.confirm("Há alterações por gravar. Abandoná-las?")) return false;
    const current = state.current;
    if (current.isNew) featureSource.removeFeature(current.feature);
    else if (current.undo.length) current.feature.setGeometry(current.undo[0].geometry);
    state.current = null;
    state.hasChanges = false;
    return true;
  }

  function selectionChanged() {
    const selected = select.getFeatures().getArray();
    const current = state.current;
    if (current && !selected.includes(current.feature) && !confirmDiscard()) {
      select.getFeatures().clear();
      select.getFeatures().push(current.feature);
      return;
    }
    if (selected.length === 1 && (!state.current || state.current.feature !== selected[0])) {
      startEditing(selected[0], false);
    } else if (selected.length !== 1) {
      state.current = null;
      state.hasChanges = false;
      renderForm();
    }
    renderBulk(selected);
    featureLayer.changed();
    if (state.tool === "modify" || state.tool === "move") setTool(state.tool);
  }

  // ---- attribute form -----------------------------------------------------------------------

  function inputFor(attribute, idPrefix) {
    const id = idPrefix + attribute.name;
    let input;
    if (attribute.type === "code") {
      input = el("select", {id});
      input.append(el("option", {value: ""}, attribute.required ? "— escolha —" : "—"));
      attribute.codes.forEach((c) => input.append(el("option", {value: c.code}, c.label)));
    } else if (attribute.type === "boolean") {
      input = el("input", {id, type: "checkbox"});
    } else if (attribute.type === "integer" || attribute.type === "decimal") {
      input = el("input", {id, type: "number", step: attribute.type === "integer" ? "1" : "any",
        min: attribute.min, max: attribute.max});
    } else if (attribute.type === "date") {
      input = el("input", {id, type: "date"});
    } else if (attribute.type === "datetime") {
      input = el("input", {id, type: "datetime-local"});
    } else {
      input = el("input", {id, type: "text", maxlength: attribute.max_length});
    }
    input.name = attribute.name;
    if (attribute.required && attribute.type !== "boolean") input.required = true;
    return input;
  }

  function fieldFor(attribute, idPrefix) {
    const wrapper = el("div", {class: "field"});
    const input = inputFor(attribute, idPrefix);
    const label = el("label", {for: input.id}, attribute.title + (attribute.unit ? " (" +
      attribute.unit + ")" : "") + (attribute.required ? " *" : ""));
    const described = [];
    wrapper.append(label, input);
    if (attribute.help) {
      wrapper.append(el("small", {id: input.id + "-ajuda", class: "help"}, attribute.help));
      described.push(input.id + "-ajuda");
    }
    const error = el("span", {id: input.id + "-erro", class: "field-error", "aria-live": "polite"});
    wrapper.append(error);
    described.push(error.id);
    input.setAttribute("aria-describedby", described.join(" "));
    return wrapper;
  }

  function readValue(attribute, input) {
    if (attribute.type === "boolean") return input.checked;
    const raw = input.value;
    if (raw === "") return null;
    if (attribute.type === "integer" || attribute.type === "decimal") return Number(raw);
    if (attribute.type === "datetime") return raw.length === 16 ? raw + ":00" : raw;
    return raw;
  }

  function writeValue(attribute, input, value) {
    if (attribute.type === "boolean") input.checked = value === true;
    else if (attribute.type === "datetime" && value) input.value = String(value).slice(0, 16);
    else input.value = value === null || value === undefined ? "" : String(value);
  }

  function fillForm(props) {
    state.theme.attributes.forEach((a) => writeValue(a, $("campo-" + a.name), props[a.name]));
  }

  function infoText(feature, isNew) {
    if (isNew) return "Novo elemento (por gravar).";
    const parts = ["N.º " + feature.getId(), "município " + feature.get("municipio"),
      "freguesia " + (feature.get("freguesia") || "—"), "versão " + feature.get("row_version"),
      "alterado por " + (feature.get("updated_by") || "—")];
    if (!editable(feature)) parts.push("só consulta (município de outra entidade)");
    return parts.join(" · ");
  }

  function renderForm() {
    const current = state.current;
    $("painel-elemento").hidden = !current;
    $("painel-historico").hidden = true;
    clearErrors();
    if (!current) return;
    const fields = $("campos");
    fields.replaceChildren(...state.theme.attributes.map((a) => fieldFor(a, "campo-")));
    fillForm(current.props);
    const canEdit = editable(current.feature);
    fields.querySelectorAll("input, select").forEach((i) => { i.disabled = !canEdit; });
    $("gravar").hidden = !canEdit;
    $("ver-historico").hidden = current.isNew;
    $("elemento-info").textContent = infoText(current.feature, current.isNew);
  }

  function formChanged(event) {
    const current = state.current;
    const attribute = state.theme.attributes.find((a) => a.name === event.target.name);
    if (!current || !attribute) return;
    pushUndo();
    current.props[attribute.name] = readValue(attribute, event.target);
    state.hasChanges = true;
    featureLayer.changed();
  }

  function clearErrors() {
    $("mensagem").textContent = "";
    document.querySelectorAll("#campos .field-error").forEach((n) => { n.textContent = ""; });
    document.querySelectorAll("#campos [aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
  }

  function showErrors(data, feature) {
    const text = problemText(data);
    $("mensagem").textContent = text;
    (data && data.erros || []).forEach((problem) => {
      const target = $("campo-" + problem.campo + "-erro");
      if (target) {
        target.textContent = problem.mensagem;
        $("campo-" + problem.campo).setAttribute("aria-invalid", "true");
      }
    });
    showPopup(feature, text, "error");
  }

  // ---- saving -------------------------------------------------------------------------------

  function changedProps(current) {
    const original = propsOf(current.feature);
    const changed = {};
    Object.keys(current.props).forEach((k) => {
      if (current.isNew || current.props[k] !== original[k]) changed[k] = current.props[k];
    });
    return changed;
  }

  function applyServerFeature(feature, data) {
    const fresh = format.readFeature(data);
    feature.setId(fresh.getId());
    feature.setProperties(fresh.getProperties());
    feature.setGeometry(fresh.getGeometry());
  }

  function syncForm() {
    // Values typed but not yet committed by a "change" event (e.g. Ctrl+S inside a field).
    const current = state.current;
    const pending = state.theme.attributes.filter((a) => {
      const input = $("campo-" + a.name);
      return input && readValue(a, input) !== current.props[a.name];
    });
    if (!pending.length) return;
    pushUndo();
    pending.forEach((a) => { current.props[a.name] = readValue(a, $("campo-" + a.name)); });
    state.hasChanges = true;
  }

  let saving = false;

  async function save() {
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
    const body = {type: "Feature", properties: changedProps(current)};
    if (current.geomChanged) body.geometry = format.writeGeometryObject(feature.getGeometry());
    if (!current.isNew && !current.geomChanged && !Object.keys(body.properties).length) {
      say("Nada por gravar.");
      return;
    }
    const result = current.isNew
      ? await request("POST", itemsUrl(), body)
      : await request("PATCH", itemsUrl(feature.getId()), body, {"If-Match": etag(feature)});
    if (result.ok) return saved(feature, result);
    if (result.status === 412) return conflict(feature, result.data);
    showErrors(result.data, feature);
    say("Não gravado: " + problemText(result.data));
  }

  function saved(feature, result) {
    applyServerFeature(feature, result.data);
    startEditing(feature, false);
    showPopup(feature, "Gravado (versão " + feature.get("row_version") + ").", "ok");
    say("Elemento " + feature.getId() + " gravado (versão " + feature.get("row_version") + ").");
  }

  function conflict(feature, data) {
    const message = problemText(data) + " Pode recarregar a versão atual ou gravar por cima.";
    $("mensagem").replaceChildren(el("span", {}, message));
    const reload = el("button", {type: "button"}, "Recarregar a versão atual");
    reload.addEventListener("click", () => { applyServerFeature(feature, data); startEditing(feature, false); });
    const overwrite = el("button", {type: "button"}, "Gravar por cima");
    overwrite.addEventListener("click", () => { feature.set("row_version", data.properties.row_version); save(); });
    $("mensagem").append(" ", reload, " ", overwrite);
    showPopup(feature, "Alterado por outra pessoa entretanto.", "error");
    say(problemText(data));
  }

  async function removeCurrent() {
    const current = state.current;
    if (!current || !editable(current.feature)) { say("Selecione um elemento que possa editar."); return; }
    if (current.isNew) { discardNew(); return; }
    const feature = current.feature;
    if (!window.confirm("Eliminar o elemento " + feature.getId() + "?")) return;
    const result = await request("DELETE", itemsUrl(feature.getId()), undefined, {"If-Match": etag(feature)});
    if (result.status === 204) {
      select.getFeatures().clear();
      featureSource.removeFeature(feature);
      state.current = null;
      state.hasChanges = false;
      renderForm();
      hidePopup();
      say("Elemento " + feature.getId() + " eliminado; pode restaurá-lo em Eliminados.");
    } else if (result.status === 412) {
      conflict(feature, result.data);
    } else {
      showErrors(result.data, feature);
    }
  }

  async function reloadFeature(id) {
    const result = await request("GET", itemsUrl(id) + "?crs=EPSG:3763");
    if (!result.ok) { say(problemText(result.data)); return null; }
    let feature = featureSource.getFeatureById(id);
    if (!feature) {
      feature = format.readFeature(result.data);
      featureSource.addFeature(feature);
    } else {
      applyServerFeature(feature, result.data);
    }
    state.hasChanges = false;
    startEditing(feature, false);
    return feature;
  }

  function pointByCoordinates(event) {
    event.preventDefault();
    const e = Number($("coord-e").value);
    const n = Number($("coord-n").value);
    if (!state.theme.geometry.endsWith("Point")) { say("Este tema não é de pontos."); return; }
    if (!config.user.municipios.length || !confirmDiscard()) return;
    const feature = new ol.Feature({geometry: new ol.geom.Point([e, n]), municipio: null});
    featureSource.addFeature(feature);
    startEditing(feature, true);
    select.getFeatures().clear();
    select.getFeatures().push(feature);
    map.getView().animate({center: [e, n], duration: 200});
    say("Novo ponto em E " + number(e) + ", N " + number(n) + ": preencha os atributos e grave.");
  }

  // ---- bulk change --------------------------------------------------------------------------

  function renderBulk(selected) {
    const editableOnes = selected.filter((f) => f.getId() && editable(f));
    $("painel-lote").hidden = selected.length < 2;
    if (selected.length < 2) return;
    $("lote-info").textContent = selected.length + " selecionados, " + editableOnes.length +
      " editáveis.";
    const chooser = $("lote-atributo");
    if (!chooser.options.length) {
      state.theme.attributes.forEach((a) => chooser.append(el("option", {value: a.name}, a.title)));
      renderBulkField();
    }
  }

  function renderBulkField() {
    const attribute = state.theme.attributes.find((a) => a.name === $("lote-atributo").value);
    $("lote-campo").replaceChildren(fieldFor(attribute, "lote-"));
  }

  async function bulkApply(event) {
    event.preventDefault();
    const attribute = state.theme.attributes.find((a) => a.name === $("lote-atributo").value);
    const targets = select.getFeatures().getArray().filter((f) => f.getId() && editable(f));
    const versions = {};
    targets.forEach((f) => { versions[f.getId()] = f.get("row_version"); });
    const value = readValue(attribute, $("lote-" + attribute.name));
    const body = {versoes: versions, properties: {[attribute.name]: value}};
    const result = await request("POST", API + "/collections/" + state.theme.id + "/lote", body);
    if (!result.ok) { $("lote-mensagem").textContent = problemText(result.data); return; }
    targets.forEach((f) => {
      f.set(attribute.name, value);
      f.set("row_version", result.data.versoes[String(f.getId())]);
    });
    $("lote-mensagem").textContent = targets.length + " elementos alterados.";
    say($("lote-mensagem").textContent);
  }

  // ---- search -------------------------------------------------------------------------------

  function labelOf(feature) {
    const props = feature.properties;
    const key = state.theme.label || state.theme.attributes.find((a) => a.type === "text")?.name;
    const text = key && props[key] ? props[key] : state.theme.title;
    return text + " (n.º " + feature.id + ", " + props.municipio + ")";
  }

  async function search(event) {
    event.preventDefault();
    const q = $("pesquisa").value.trim();
    const url = itemsUrl() + "?crs=EPSG:3763&limit=50&q=" + encodeURIComponent(q) +
      (state.municipio ? "&municipio=" + state.municipio : "");
    const result = await request("GET", url);
    const list = $("resultados");
    list.replaceChildren();
    if (!result.ok) { list.append(el("li", {}, problemText(result.data))); return; }
    if (!result.data.features.length) list.append(el("li", {}, "Nada encontrado."));
    result.data.features.forEach((f) => {
      const button = el("button", {type: "button"}, labelOf(f));
      button.addEventListener("click", () => focusFeature(f.id));
      const item = el("li");
      item.append(button);
      list.append(item);
    });
  }

  async function focusFeature(id) {
    if (!confirmDiscard()) return;
    const feature = await reloadFeature(id);
    if (!feature) return;
    select.getFeatures().clear();
    select.getFeatures().push(feature);
    map.getView().fit(feature.getGeometry().getExtent(), {maxZoom: 12, duration: 300,
      padding: [80, 80, 80, 80]});
    featureLayer.changed();
  }

  // ---- history, revert, restore -------------------------------------------------------------

  let historyMap = null;
  const historySource = new ol.source.Vector();

  function ensureHistoryMap() {
    if (historyMap) { historyMap.updateSize(); return; }
    historyMap = new ol.Map({target: "historico-mapa", controls: [],
      layers: [new ol.layer.Vector({source: historySource, style: (f) => new ol.style.Style({
        stroke: new ol.style.Stroke({color: f.get("quando") === "antes" ? "#c01c28" : "#1c71d8",
          width: 2, lineDash: f.get("quando") === "antes" ? [5, 4] : undefined}),
        fill: new ol.style.Fill({color: f.get("quando") === "antes" ? "rgba(192,28,40,0.15)"
          : "rgba(28,113,216,0.15)"}),
        image: new ol.style.Circle({radius: 6, fill: new ol.style.Fill({color:
          f.get("quando") === "antes" ? "#c01c28" : "#1c71d8"})}),
      })})],
      view: new ol.View({projection, resolutions, center: [0, 0], zoom: 10})});
  }

  function showGeometries(entry) {
    ensureHistoryMap();
    historySource.clear();
    [["antes", entry.geometria_antes], ["depois", entry.geometria_depois]].forEach(([when, g]) => {
      if (!g) return;
      historySource.addFeature(new ol.Feature({geometry: format.readGeometry(g), quando: when}));
    });
    if (historySource.getFeatures().length) {
      historyMap.getView().fit(historySource.getExtent(), {maxZoom: 13, padding: [20, 20, 20, 20]});
    }
  }

  function diffTable(entry) {
    const table = el("table", {class: "diff"});
    table.append(el("caption", {}, "Valores alterados"));
    const head = el("tr");
    head.append(el("th", {scope: "col"}, "Campo"), el("th", {scope: "col"}, "Antes"),
      el("th", {scope: "col"}, "Depois"));
    table.append(head);
    const keys = new Set(Object.keys(entry.antes || {}).concat(Object.keys(entry.depois || {})));
    keys.forEach((key) => {
      const before = (entry.antes || {})[key];
      const after = (entry.depois || {})[key];
      if ((before === null || before === undefined) && (after === null || after === undefined)) return;
      const row = el("tr");
      row.append(el("th", {scope: "row"}, fieldTitle(key)), el("td", {}, shown(key, before)),
        el("td", {}, shown(key, after)));
      table.append(row);
    });
    return table;
  }

  const SYSTEM_TITLES = {municipio: "Município", freguesia: "Freguesia", fonte: "Fonte",
    fonte_id: "Identificador na fonte", import_run: "Importação"};

  function fieldTitle(key) {
    const attribute = state.theme.attributes.find((a) => a.name === key);
    return attribute ? attribute.title : (SYSTEM_TITLES[key] || key);
  }

  function shown(key, value) {
    if (value === null || value === undefined) return "—";
    const attribute = state.theme.attributes.find((a) => a.name === key);
    if (attribute && attribute.codes) {
      const code = attribute.codes.find((c) => c.code === value);
      if (code) return code.label;
    }
    if (typeof value === "boolean") return value ? "sim" : "não";
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  function applicationLabel(name) {
    if (!name) return "";
    const revert = /^sig-editor:revert:(\d+)$/.exec(name);
    if (revert) return "reversão para a alteração " + revert[1];
    const restore = /^sig-editor:restore:(\d+)$/.exec(name);
    if (restore) return "restauro";
    return name;
  }

  function historyItem(entry, isLast, feature) {
    const item = el("li", {class: "op-" + entry.op});
    const when = new Date(entry.em).toLocaleString("pt-PT");
    item.append(el("p", {class: "entry-head"}, entry.operacao + " · v" + (entry.versao ?? "—") +
      " · " + when + " · " + entry.autor +
      (entry.aplicacao ? " (" + applicationLabel(entry.aplicacao) + ")" : "")));
    item.append(diffTable(entry));
    if (entry.geometria_antes || entry.geometria_depois) {
      const view = el("button", {type: "button"}, "Ver geometria");
      view.addEventListener("click", () => showGeometries(entry));
      item.append(view);
    }
    if (!isLast && entry.op !== "D" && editable(feature)) {
      const back = el("button", {type: "button"}, "Reverter para este estado");
      back.addEventListener("click", () => revertTo(feature, entry.alteracao));
      item.append(" ", back);
    }
    return item;
  }

  async function showHistory() {
    const current = state.current;
    if (!current || current.isNew) return;
    const feature = current.feature;
    const result = await request("GET", itemsUrl(feature.getId()) + "/historico");
    const list = $("historico");
    list.replaceChildren();
    $("painel-historico").hidden = false;
    if (!result.ok) { list.append(el("li", {}, problemText(result.data))); return; }
    const entries = result.data.alteracoes;
    entries.slice().reverse().forEach((entry, i) => list.append(historyItem(entry, i === 0, feature)));
    const withGeometry = entries.slice().reverse().find((e) => e.geometria_depois || e.geometria_antes);
    if (withGeometry) showGeometries(withGeometry);
  }

  async function revertTo(feature, changeId) {
    if (!window.confirm("Reverter o elemento " + feature.getId() + " para o estado da alteração " +
      changeId + "?")) return;
    const result = await request("POST", itemsUrl(feature.getId()) + "/reverter",
      {alteracao: changeId}, {"If-Match": etag(feature)});
    if (result.status === 412) return conflict(feature, result.data);
    if (!result.ok) { showErrors(result.data, feature); return; }
    applyServerFeature(feature, result.data);
    startEditing(feature, false);
    say("Elemento " + feature.getId() + " revertido (versão " + feature.get("row_version") + ").");
    showHistory();
  }

  async function showDeleted() {
    const municipio = state.municipio || config.user.municipios[0] || "";
    const url = API + "/collections/" + state.theme.id + "/eliminados?municipio=" + municipio;
    const result = await request("GET", url);
    const list = $("eliminados");
    list.replaceChildren();
    if (!result.ok) { list.append(el("li", {}, problemText(result.data))); return; }
    if (!result.data.eliminados.length) list.append(el("li", {}, "Sem elementos eliminados."));
    result.data.eliminados.forEach((entry) => {
      const item = el("li", {}, "N.º " + entry.elemento + " · " +
        new Date(entry.em).toLocaleString("pt-PT") + " · " + entry.autor + " ");
      if (mine.has(entry.municipio)) {
        const button = el("button", {type: "button"}, "Restaurar");
        button.addEventListener("click", () => restore(entry.elemento));
        item.append(button);
      }
      list.append(item);
    });
  }

  async function restore(id) {
    const result = await request("POST", itemsUrl(id) + "/restaurar", {});
    if (!result.ok) { say(problemText(result.data)); return; }
    const feature = format.readFeature(result.data);
    featureSource.addFeature(feature);
    await focusFeature(id);
    say("Elemento " + id + " restaurado.");
    showDeleted();
  }

  // ---- import -------------------------------------------------------------------------------

  async function upload(event) {
    event.preventDefault();
    const status = $("importar-estado");
    if (!config.import_url) { status.textContent = "A importação não está disponível neste servidor."; return; }
    const file = $("ficheiro").files[0];
    if (!file) return;
    const data = new FormData();
    data.append("ficheiro", file);
    data.append("tema", state.theme.id);
    data.append("municipio", state.municipio || "");
    const progress = $("importar-progresso");
    progress.hidden = false;
    progress.value = 0;
    status.textContent = "A enviar…";
    const response = await fetch(config.import_url, {method: "POST", body: data,
      credentials: "same-origin", headers: {"X-CSRFToken": csrf, "Accept": "application/json"}});
    const body = await response.json().catch(() => null);
    if (!response.ok) { status.textContent = problemText(body); progress.hidden = true; return; }
    followImport(body.estado_url, status, progress);
  }

  async function followImport(url, status, progress) {
    const result = await request("GET", url);
    if (!result.ok) { status.textContent = problemText(result.data); return; }
    const run = result.data;
    progress.value = Math.round((run.progresso || 0) * 100);
    status.replaceChildren(el("span", {}, run.mensagem || run.estado));
    if (run.terminado) {
      progress.value = 100;
      if (run.resumo) status.append(el("pre", {}, run.resumo));
      if (run.quarentena_url) status.append(" ", el("a", {href: run.quarentena_url}, "Descarregar a quarentena"));
      featureSource.refresh();
      return;
    }
    setTimeout(() => followImport(url, status, progress), 1000);
  }

  // ---- menus and start-up -------------------------------------------------------------------

  function fillMenus() {
    const municipios = $("municipio");
    const sorted = config.municipios.slice().sort((a, b) =>
      (mine.has(b.dico) - mine.has(a.dico)) || a.nome.localeCompare(b.nome, "pt"));
    sorted.forEach((m) => municipios.append(el("option", {value: m.dico},
      m.nome + " (" + m.dico + ")" + (mine.has(m.dico) ? "" : " — consulta"))));
    const themes = $("tema");
    const groups = {};
    config.themes.forEach((t) => {
      if (!groups[t.group]) { groups[t.group] = el("optgroup", {label: t.group}); themes.append(groups[t.group]); }
      groups[t.group].append(el("option", {value: t.id}, t.title));
    });
  }

  function chooseTheme(themeId) {
    if (!confirmDiscard()) { $("tema").value = state.theme.id; return; }
    state.theme = config.themes.find((t) => t.id === themeId);
    state.current = null;
    select.getFeatures().clear();
    featureSource = makeSource(themeId);
    featureLayer.setSource(featureSource);
    $("lote-atributo").replaceChildren();
    $("painel-lote").hidden = true;
    $("eliminados").replaceChildren();
    $("resultados").replaceChildren();
    renderForm();
    setTool("select");
    document.querySelector('[data-tool="hole"]').hidden = !state.theme.geometry.endsWith("Polygon");
    say("Tema: " + state.theme.title + ".");
  }

  function chooseMunicipio(dico) {
    state.municipio = dico;
    const boundary = boundarySource.getFeatureById(dico);
    if (boundary) map.getView().fit(boundary.getGeometry().getExtent(), {padding: [20, 20, 20, 20]});
    boundaryLayer.changed();
  }

  async function loadBoundaries() {
    const result = await request("GET", API + "/municipios");
    if (!result.ok) { say("Limites dos municípios indisponíveis."); return; }
    boundarySource.addFeatures(format.readFeatures(result.data));
    chooseMunicipio($("municipio").value);
  }

  function isTyping(event) {
    const tag = event.target.tagName;
    return tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA";
  }

  const KEYS = {s: "select", d: "draw", b: "hole", v: "modify", m: "move"};

  function onKey(event) {
    const ctrl = event.ctrlKey || event.metaKey;
    if (ctrl && event.key.toLowerCase() === "s") { event.preventDefault(); save(); return; }
    if (event.key === "Escape") { cancel(); return; }
    if (isTyping(event)) return;
    if (ctrl && event.key.toLowerCase() === "z") { event.preventDefault(); undo(); return; }
    if (event.key === "Delete") { removeCurrent(); return; }
    if (!ctrl && !event.altKey && KEYS[event.key.toLowerCase()]) setTool(KEYS[event.key.toLowerCase()]);
  }

  function wire() {
    document.querySelectorAll("[data-tool]").forEach((button) => {
      button.addEventListener("click", () => setTool(button.dataset.tool));
    });
    $("desfazer").addEventListener("click", undo);
    $("eliminar").addEventListener("click", removeCurrent);
    $("cancelar").addEventListener("click", cancel);
    $("form-atributos").addEventListener("submit", (e) => { e.preventDefault(); save(); });
    $("form-atributos").addEventListener("change", formChanged);
    $("ver-historico").addEventListener("click", showHistory);
    $("ver-eliminados").addEventListener("click", showDeleted);
    $("form-pesquisa").addEventListener("submit", search);
    $("form-coordenadas").addEventListener("submit", pointByCoordinates);
    $("form-lote").addEventListener("submit", bulkApply);
    $("lote-atributo").addEventListener("change", renderBulkField);
    $("form-importar").addEventListener("submit", upload);
    $("tema").addEventListener("change", (e) => chooseTheme(e.target.value));
    $("municipio").addEventListener("change", (e) => chooseMunicipio(e.target.value));
    document.addEventListener("keydown", onKey);
    window.addEventListener("beforeunload", (e) => { if (state.hasChanges) e.preventDefault(); });
  }

  function start() {
    fillMenus();
    wire();
    const params = new URLSearchParams(window.location.search);
    const wanted = params.get("tema");
    const themeId = config.themes.some((t) => t.id === wanted) ? wanted : config.themes[0].id;
    $("tema").value = themeId;
    chooseTheme(themeId);
    loadBoundaries();
    if (params.get("elemento")) focusFeature(params.get("elemento"));
    // A handle for automation and debugging in the browser console.
    window.sigEditor = {map, state, select, get source() { return featureSource; }, setTool, save};
  }

  start();
})();
