// Export the current view as a PNG, composed from the map's layer canvases.

function canvasMatrix(canvas) {
  const match = canvas.style.transform.match(/^matrix\(([^(]*)\)$/);
  if (match) return match[1].split(',').map(Number);
  return [parseFloat(canvas.style.width) / canvas.width, 0, 0,
    parseFloat(canvas.style.height) / canvas.height, 0, 0];
}

// One canvas (CSS pixel size) with the background and every visible layer.
export function mapCanvas(map) {
  const [width, height] = map.getSize();
  const out = document.createElement('canvas');
  out.width = width;
  out.height = height;
  const context = out.getContext('2d');
  context.fillStyle = getComputedStyle(map.getTargetElement()).backgroundColor || '#ffffff';
  context.fillRect(0, 0, width, height);
  for (const canvas of map.getViewport().querySelectorAll('.ol-layer canvas, canvas.ol-layer')) {
    if (canvas.width === 0) continue;
    const opacity = canvas.parentNode.style.opacity || canvas.style.opacity;
    context.globalAlpha = opacity === '' ? 1 : Number(opacity);
    context.setTransform(...canvasMatrix(canvas));
    context.drawImage(canvas, 0, 0);
  }
  context.globalAlpha = 1;
  context.setTransform(1, 0, 0, 1, 0, 0);
  return out;
}

export function setupExport(map, button) {
  button.addEventListener('click', () => {
    map.once('rendercomplete', () => {
      mapCanvas(map).toBlob((blob) => {
        const link = document.createElement('a');
        link.href = URL.createObjectURL(blob);
        link.download = `mapa-cimrl-${new Date().toISOString().slice(0, 10)}.png`;
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(link.href), 10000);
      }, 'image/png');
    });
    map.render();
  });
}
