"""isoreach Processing provider: a QGIS plugin folder (copy or link it into the profile's
python/plugins). QGIS calls classFactory(); the plugin registers the provider."""


def classFactory(iface):  # noqa: N802 (QGIS's name)
    from .plugin import IsoreachPlugin
    return IsoreachPlugin(iface)
