/*
 * wall --list-outputs: what the cards have, as modetest -c does, but for
 * people: each card, its connectors, whether a monitor is there, its
 * modes, and the part of the canvas each one would show with the layout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kms.h"

static const char *connection_word(drmModeConnection connection)
{
	switch (connection) {
	case DRM_MODE_CONNECTED:
		return "connected";
	case DRM_MODE_DISCONNECTED:
		return "disconnected";
	default:
		return "unknown";
	}
}

static void print_modes(FILE *out, const drmModeConnector *conn)
{
	fprintf(out, "    modes:");
	int column = 10;
	/* Modes that differ only in timings read the same: say each once. */
	GHashTable *said = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (int i = 0; i < conn->count_modes; i++) {
		const drmModeModeInfo *m = &conn->modes[i];
		char text[48];
		snprintf(text, sizeof(text), " %ux%u@%.0f%s", m->hdisplay, m->vdisplay,
		         kms_mode_hz(m), (m->type & DRM_MODE_TYPE_PREFERRED) ? " (preferred)" : "");
		if (!g_hash_table_add(said, g_strdup(text))) {
			continue;
		}
		if (column + (int)strlen(text) > 78) {
			fprintf(out, "\n          ");
			column = 10;
		}
		fputs(text, out);
		column += (int)strlen(text);
	}
	g_hash_table_unref(said);
	fputc('\n', out);
}

/*
 * Places in the default assignment, as the backend counts them: connected
 * connectors first, in card and connector order, then the others.
 */
struct places {
	size_t connected;
	size_t others;
};

static void print_plan(FILE *out, const struct wall_layout *layout, const drmModeConnector *conn,
                       const char *name, struct places *places)
{
	bool connected = conn->connection == DRM_MODE_CONNECTED;
	size_t place = connected ? places->connected++ : places->others++;
	if (layout == NULL) {
		return;
	}
	struct wall_output_plan plan;
	if (!wall_layout_output_plan(layout, name, place, &plan)) {
		fprintf(out, "    shows: nothing (the layout does not map it; it stays dark)\n");
		return;
	}
	char *rect = wall_rect_describe(&plan.rect);
	drmModeModeInfo mode;
	if (connected && kms_pick_mode(conn, &plan.mode, &mode, NULL)) {
		struct wall_rect crop = plan.rect;
		crop.width = MIN(crop.width, (int32_t)mode.hdisplay);
		crop.height = MIN(crop.height, (int32_t)mode.vdisplay);
		char *shown = wall_rect_describe(&crop);
		fprintf(out, "    shows: %s of the canvas, in mode %ux%u@%.0f%s\n", shown,
		        mode.hdisplay, mode.vdisplay, kms_mode_hz(&mode),
		        crop.width < plan.rect.width || crop.height < plan.rect.height
		                ? " (smaller than its part; the rest is cut)"
		                : "");
		g_free(shown);
	} else {
		fprintf(out, "    would show: %s of the canvas once connected\n", rect);
	}
	g_free(rect);
}

static int open_card(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	return fd >= 0 ? fd : open(path, O_RDONLY | O_CLOEXEC);
}

static void list_card(FILE *out, const char *path, const struct wall_layout *layout,
                      struct places *places, GHashTable *seen)
{
	int fd = open_card(path);
	if (fd < 0) {
		fprintf(out, "%s: cannot open: %s\n", path, strerror(errno));
		return;
	}
	drmVersion *version = drmGetVersion(fd);
	if (version == NULL) {
		fprintf(out, "%s: not a display card\n", path);
		close(fd);
		return;
	}
	uint64_t dumb = 0;
	drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &dumb);
	bool atomic = drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1) == 0;
	drmModeRes *res = drmModeGetResources(fd);
	fprintf(out, "%s: %s, %s, %d display controllers\n", path, version->name,
	        atomic ? "atomic" : "legacy modesetting", res != NULL ? res->count_crtcs : 0);
	drmFreeVersion(version);
	if (res == NULL || !dumb) {
		fprintf(out, "  no outputs (a render-only device)\n");
		drmModeFreeResources(res);
		close(fd);
		return;
	}
	for (int i = 0; i < res->count_connectors; i++) {
		drmModeConnector *conn = drmModeGetConnector(fd, res->connectors[i]);
		if (conn == NULL) {
			continue;
		}
		char name[32];
		kms_connector_name(conn, name, sizeof(name));
		g_hash_table_add(seen, g_strdup(name));
		fprintf(out, "  %-12s %s", name, connection_word(conn->connection));
		if (conn->connection == DRM_MODE_CONNECTED && conn->mmWidth > 0) {
			fprintf(out, ", %ux%u mm", conn->mmWidth, conn->mmHeight);
		}
		fputc('\n', out);
		if (conn->count_modes > 0) {
			print_modes(out, conn);
		}
		print_plan(out, layout, conn, name, places);
		drmModeFreeConnector(conn);
	}
	drmModeFreeResources(res);
	close(fd);
}

int wall_kms_list_outputs(const struct wall_layout *layout, FILE *out)
{
	GPtrArray *paths = wall_kms_card_paths();
	if (paths->len == 0) {
		fprintf(out, "no display cards (no /dev/dri/card*)\n");
	}
	struct places places = {0, kms_count_connected(paths)};
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < paths->len; i++) {
		list_card(out, paths->pdata[i], layout, &places, seen);
	}
	for (guint i = 0; layout != NULL && i < layout->outputs->len; i++) {
		const struct wall_layout_output *want = layout->outputs->pdata[i];
		if (!g_hash_table_contains(seen, want->connector)) {
			fprintf(out, "%s:%d:%d: the layout names %s, which no card has\n",
			        layout->path, want->mark.line, want->mark.column, want->connector);
		}
	}
	g_hash_table_unref(seen);
	int status = paths->len > 0 ? 0 : 3;
	g_ptr_array_unref(paths);
	return status;
}
