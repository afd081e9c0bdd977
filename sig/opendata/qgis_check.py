"""Open a QGIS project headless and report each layer; exit 1 if any layer is invalid.

Runs under the system Python that carries the `qgis` module (Debian: python3-qgis), started by
`sig dados verificar-qgis` with QT_QPA_PLATFORM=offscreen. It uses only QGIS and the standard
library, so it must not import anything from the project.
"""

import sys


def report(project) -> int:
    """Print each layer; return how many are invalid."""
    layers = list(project.mapLayers().values())
    bad = 0
    for layer in sorted(layers, key=lambda item: item.name()):
        valid = layer.isValid()
        bad += not valid
        count = layer.featureCount() if valid and layer.type() == 0 else "-"
        print(f"{'ok  ' if valid else 'ERRO'} {layer.providerType():6} {layer.name()} ({count})")
    print(f"{len(layers)} camadas, {bad} inválidas")
    return bad if layers else 1


def render(project, image: str) -> None:
    """Draw the project's visible layers at its saved extent into a PNG."""
    from qgis.core import QgsMapRendererParallelJob, QgsMapSettings
    from qgis.PyQt.QtCore import QSize

    settings = QgsMapSettings()
    root = project.layerTreeRoot()
    settings.setLayers([n.layer() for n in root.findLayers() if n.isVisible() and n.layer()])
    settings.setDestinationCrs(project.crs())
    settings.setOutputSize(QSize(1200, 900))
    canvas = project.viewSettings().defaultViewExtent()
    settings.setExtent(canvas if not canvas.isEmpty() else settings.fullExtent())
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(image, "png")
    print(f"imagem: {image}")


def main(path: str, image: str | None = None) -> int:
    from qgis.core import QgsApplication, QgsProject

    app = QgsApplication([], False)
    app.initQgis()
    try:
        project = QgsProject.instance()
        if not project.read(path):
            print(f"erro: o QGIS não abriu o projeto {path}: {project.error()}")
            return 1
        bad = report(project)
        if image:
            render(project, image)
        return 1 if bad else 0
    finally:
        app.exitQgis()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
