/* A new layout, loaded and checked completely on the control thread; the render thread only swaps
 * it in. */
#include "server_private.h"

#include "layout.h"
#include "plugin_registry.h"

static char *file_checksum(const char *path)
{
	char *text = NULL;
	gsize length = 0;
	if (!g_file_get_contents(path, &text, &length, NULL)) {
		return NULL;
	}
	char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)text, length);
	g_free(text);
	return sum;
}

void wall_server_layout_seen(struct wall_server *server)
{
	g_free(server->layout_checksum);
	server->layout_checksum = file_checksum(server->layout_path);
}

bool wall_server_layout_changed(struct wall_server *server)
{
	char *sum = file_checksum(server->layout_path);
	/* Gone for a moment during a save counts as unchanged. */
	bool changed = sum != NULL && g_strcmp0(sum, server->layout_checksum) != 0;
	g_free(sum);
	return changed;
}

struct wall_layout *wall_server_load_layout(struct wall_server *server, GError **error)
{
	struct wall_layout *layout = wall_layout_load(
	        server->layout_path, wall_plugin_registry_options, server->registry, error);
	wall_server_layout_seen(server);
	if (layout == NULL) {
		return NULL;
	}
	if (server->node != NULL && !wall_layout_focus_node(layout, server->node, error)) {
		wall_layout_destroy(layout);
		return NULL;
	}
	if (layout->canvas_width_px != server->canvas_width_px ||
	    layout->canvas_height_px != server->canvas_height_px) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "%s: the canvas changed from %dx%d to %dx%d; restart the wall for that",
		            layout->path, server->canvas_width_px, server->canvas_height_px,
		            layout->canvas_width_px, layout->canvas_height_px);
		wall_layout_destroy(layout);
		return NULL;
	}
	return layout;
}
