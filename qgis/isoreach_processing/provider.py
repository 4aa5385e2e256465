"""The isoreach Processing provider: its algorithms."""
from qgis.core import QgsProcessingProvider

from .algorithm import RunHubsAlgorithm


class IsoreachProvider(QgsProcessingProvider):
    def id(self):
        return "isoreach"

    def name(self):
        return "isoreach"

    def longName(self):  # noqa: N802
        return "isoreach: 1-hour commuting circles"

    def loadAlgorithms(self):  # noqa: N802
        self.addAlgorithm(RunHubsAlgorithm())
