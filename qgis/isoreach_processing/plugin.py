"""Registers the isoreach Processing provider when QGIS starts the plugin."""
from qgis.core import QgsApplication

from .provider import IsoreachProvider


class IsoreachPlugin:
    def __init__(self, iface):
        self.iface = iface
        self.provider = None

    def initProcessing(self):  # noqa: N802
        self.provider = IsoreachProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802
        self.initProcessing()

    def unload(self):
        if self.provider:
            QgsApplication.processingRegistry().removeProvider(self.provider)
