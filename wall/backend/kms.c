/*
 * The kms backend: the wall on bare hardware, no desktop, through libdrm.
 *
 * Every card in /dev/dri is opened; every connector the layout maps (or,
 * without a mapping, every connected one in order) gets a CRTC, its mode
 * and its crop of the canvas, 1:1. Atomic modesetting where the driver has
 * it, else legacy SetCrtc and PageFlip. Each output has at most one flip
 * in flight; present() waits for the last ones to land, so the frame loop
 * runs at the monitors' vertical blank.
 *
 * kms_drm.c talks to the kernel, kms_output.c lights outputs and draws
 * soft's pictures straight into their dumb buffers, kms_gl.c goes through
 * GBM and EGL, kms_session.c opens the cards, kms_list.c lists them.
 */
#include <errno.h>
#include <fcntl.h>
#include <libudev.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "input.h"
#include "kms.h"
#include "log.h"

static const struct wall_backend_impl kms_impl;

static struct kms_backend *kms_from(struct wall_backend *backend)
{
	return (struct kms_backend *)backend;
}

static void present_output(struct kms_backend *kb, struct kms_output *o,
                           struct wall_renderer *renderer, const struct wall_rect *damage,
                           size_t count)
{
	if (kb->kind == WALL_RENDER_SOFT) {
		if (kms_output_has_buffers(o)) {
			kms_output_present_soft(kb, o, damage, count);
		}
		return;
	}
	uint32_t fb_id = 0;
	if (!o->lit) {
		return;
	}
	if (o->gbm_surface == NULL) {
		if (kms_output_has_buffers(o)) {
			kms_gl_output_read(kb, o, renderer);
		}
		return;
	}
	if (kms_gl_output_draw(kb, o, renderer, &fb_id)) {
		kms_output_show(kb, o, fb_id);
	}
}

static bool kms_present(struct wall_backend *backend, struct wall_renderer *renderer)
{
	struct kms_backend *kb = kms_from(backend);
	kms_wait_flips(kb);
	if (kb->paused) {
		g_usleep(G_USEC_PER_SEC / 20);
		return true;
	}
	kb->frame++;
	size_t count = 0;
	const struct wall_rect *damage = NULL;
	if (kb->kind == WALL_RENDER_SOFT) {
		damage = wall_soft_renderer_damage(renderer, &count);
		kb->soft_renderer = renderer;
	}
	bool any = false;
	/* Modesets first: a blocking modeset may be refused while another
	 * CRTC of the card has a flip in flight. */
	for (int pass = 0; pass < 2; pass++) {
		for (guint c = 0; c < kb->cards->len; c++) {
			struct kms_card *card = kb->cards->pdata[c];
			for (guint i = 0; i < card->outputs->len; i++) {
				struct kms_output *o = card->outputs->pdata[i];
				bool modeset = o->lit && o->needs_modeset;
				if (o->presented_frame == kb->frame || (pass == 0 && !modeset)) {
					continue;
				}
				/* Once a frame: a modeset in the first pass clears
				 * needs_modeset before the second. */
				o->presented_frame = kb->frame;
				any = any || o->lit;
				present_output(kb, o, renderer, damage, count);
			}
		}
	}
	if (kb->kind == WALL_RENDER_SOFT) {
		kms_set_targets(kb);
	}
	if (!any) {
		/* Every monitor unplugged: keep time without a blank to wait for. */
		g_usleep((gulong)(G_USEC_PER_SEC / backend->refresh_hz));
	}
	return true;
}

/* ---- Hotplug ---- */

static void start_hotplug(struct kms_backend *kb)
{
	kb->udev = udev_new();
	if (kb->udev == NULL) {
		wall_warning("kms: no udev; monitors plugged in later are not seen");
		return;
	}
	/*
	 * With a udev daemon, its processed events; without one (a bare
	 * initramfs, a container) the kernel's own uevents, which carry
	 * HOTPLUG=1 for connector changes just the same.
	 */
	bool daemon = access("/run/udev/control", F_OK) == 0;
	kb->monitor = udev_monitor_new_from_netlink(kb->udev, daemon ? "udev" : "kernel");
	if (kb->monitor == NULL ||
	    udev_monitor_filter_add_match_subsystem_devtype(kb->monitor, "drm", NULL) < 0 ||
	    udev_monitor_enable_receiving(kb->monitor) < 0) {
		wall_warning("kms: cannot listen for hotplug events; monitors plugged in later "
		             "are not seen");
		udev_monitor_unref(kb->monitor);
		kb->monitor = NULL;
		return;
	}
	wall_info("kms: watching for monitors plugged and unplugged (%s events)",
	          daemon ? "udev" : "kernel");
}

static bool hotplug_pending(struct kms_backend *kb)
{
	if (kb->monitor == NULL) {
		return false;
	}
	bool changed = false;
	struct pollfd fd = {.fd = udev_monitor_get_fd(kb->monitor), .events = POLLIN};
	while (poll(&fd, 1, 0) > 0) {
		struct udev_device *dev = udev_monitor_receive_device(kb->monitor);
		if (dev == NULL) {
			break;
		}
		/* Connector changes say HOTPLUG=1; a "change" written to a card's
		 * uevent file by hand asks for a look too. */
		const char *hotplug = udev_device_get_property_value(dev, "HOTPLUG");
		changed = changed || g_strcmp0(hotplug, "1") == 0 ||
		          g_strcmp0(udev_device_get_action(dev), "change") == 0;
		udev_device_unref(dev);
	}
	return changed;
}

static bool kms_dispatch(struct wall_backend *backend)
{
	struct kms_backend *kb = kms_from(backend);
	bool session_changed = false;
	bool active = kms_session_dispatch(kb->session, &session_changed);
	if (session_changed) {
		kb->paused = !active;
		wall_info("kms: session %s", active ? "back: drawing again" : "away: paused");
		if (active) {
			wall_input_resume(kb->input);
		} else {
			/* No flip may be in flight once master is dropped. */
			kms_wait_flips(kb);
			wall_input_suspend(kb->input);
			kms_session_let_go(kb->session);
		}
		for (guint c = 0; active && c < kb->cards->len; c++) {
			struct kms_card *card = kb->cards->pdata[c];
			for (guint i = 0; i < card->outputs->len; i++) {
				struct kms_output *o = card->outputs->pdata[i];
				/* Whoever had the VT may have set other modes. */
				o->needs_modeset = o->lit;
				o->flip_pending = false;
			}
		}
	}
	/* Hotplug events while away were read and dropped: look again on return. */
	bool returned = session_changed && !kb->paused;
	if ((hotplug_pending(kb) || returned) && !kb->paused) {
		kms_wait_flips(kb);
		for (guint c = 0; c < kb->cards->len; c++) {
			kms_card_reprobe(kb, kb->cards->pdata[c], false);
		}
		kms_set_targets(kb);
	}
	return true;
}

/* ---- Cards ---- */

static void card_destroy(struct kms_backend *kb, struct kms_card *card)
{
	for (guint i = 0; i < card->outputs->len; i++) {
		struct kms_output *o = card->outputs->pdata[i];
		if (o->saved_crtc != NULL) {
			/* Give the console back what it showed before the wall. */
			drmModeCrtc *s = o->saved_crtc;
			drmModeSetCrtc(card->fd, s->crtc_id, s->buffer_id, s->x, s->y,
			               s->buffer_id != 0 ? &o->connector_id : NULL,
			               s->buffer_id != 0 ? 1 : 0, s->mode_valid ? &s->mode : NULL);
			drmModeFreeCrtc(s);
		}
		kms_output_free_buffers(kb, o);
		if (o->mode_blob != 0) {
			drmModeDestroyPropertyBlob(card->fd, o->mode_blob);
		}
		for (int b = 0; b < KMS_BUFFERS; b++) {
			g_array_unref(o->damage[b]);
		}
		g_free(o->shadow);
		g_free(o);
	}
	g_ptr_array_unref(card->outputs);
	kms_session_close_device(kb->session, card->fd, card->device_id);
	g_free(card->driver);
	g_free(card->path);
	g_free(card);
}

bool kms_env_flag(const char *name)
{
	const char *value = g_getenv(name);
	return value != NULL && value[0] != '\0' && strcmp(value, "0") != 0;
}

static struct kms_card *card_open(struct kms_backend *kb, const char *path)
{
	int device_id = -1;
	int fd = kms_session_open_device(kb->session, path, &device_id);
	if (fd < 0) {
		return NULL;
	}
	drmVersion *version = drmGetVersion(fd);
	struct kms_card *card = g_new0(struct kms_card, 1);
	card->path = g_strdup(path);
	card->fd = fd;
	card->device_id = device_id;
	card->driver = g_strdup(version != NULL ? version->name : "unknown");
	drmFreeVersion(version);
	card->outputs = g_ptr_array_new();
	uint64_t dumb = 0;
	if (drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &dumb) != 0 || dumb == 0) {
		wall_info("kms: %s (%s) cannot scan out; skipped", path, card->driver);
		kms_session_close_device(kb->session, fd, device_id);
		g_ptr_array_unref(card->outputs);
		g_free(card->driver);
		g_free(card->path);
		g_free(card);
		return NULL;
	}
	/* WALL_KMS_LEGACY=1 tries the path drivers without atomic take. */
	card->atomic = !kms_env_flag("WALL_KMS_LEGACY") &&
	               drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) == 0 &&
	               drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1) == 0;
	wall_info("kms: %s (%s), %s modesetting", path, card->driver,
	          card->atomic ? "atomic" : "legacy");
	return card;
}

/* /dev/dri/card0, card1, … in number order. */
GPtrArray *wall_kms_card_paths(void)
{
	GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
	const char *dir = g_getenv("WALL_KMS_DRI_DIR");
	dir = dir != NULL ? dir : "/dev/dri";
	for (int i = 0; i < 16; i++) {
		char *path = g_strdup_printf("%s/card%d", dir, i);
		if (access(path, F_OK) == 0) {
			g_ptr_array_add(paths, path);
		} else {
			g_free(path);
		}
	}
	return paths;
}

static void report_unconnected(struct kms_backend *kb, const struct wall_layout *layout)
{
	for (guint n = 0; n < layout->outputs->len; n++) {
		const struct wall_layout_output *want = layout->outputs->pdata[n];
		const struct kms_output *found = NULL;
		for (guint c = 0; c < kb->cards->len && found == NULL; c++) {
			struct kms_card *card = kb->cards->pdata[c];
			for (guint i = 0; i < card->outputs->len; i++) {
				const struct kms_output *o = card->outputs->pdata[i];
				if (strcmp(o->name, want->connector) == 0) {
					found = o;
				}
			}
		}
		if (found == NULL) {
			wall_warning("kms: %s:%d:%d: no connector called %s on any card; the "
			             "wall goes on without it",
			             layout->path, want->mark.line, want->mark.column,
			             want->connector);
		} else if (!found->lit) {
			wall_warning("kms: %s:%d:%d: %s is not connected (or cannot light); the "
			             "wall goes on without it until it is",
			             layout->path, want->mark.line, want->mark.column,
			             want->connector);
		}
	}
}

/* ---- Keys ---- */

/* Keyboards open through the same seat as the cards. */
static void start_input(struct kms_backend *kb)
{
	kb->input = wall_input_create(&kb->base);
}

static bool kms_take_key(struct wall_backend *backend, struct wall_key *key)
{
	return wall_input_take_key(kms_from(backend)->input, key);
}

static bool kms_relayout(struct wall_backend *backend, const struct wall_layout *layout)
{
	return kms_remap(kms_from(backend), layout);
}

static bool kms_init(struct wall_backend *backend, enum wall_render_kind kind)
{
	struct kms_backend *kb = kms_from(backend);
	const struct wall_layout *layout = backend->options.layout;
	kb->kind = kind;
	if (kind == WALL_RENDER_GL && !kms_gl_init(kb)) {
		return false;
	}
	size_t index = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (guint c = 0; c < kb->cards->len; c++) {
			kms_card_probe(kb->cards->pdata[c], layout, pass == 0, &index);
		}
	}
	for (guint c = 0; c < kb->cards->len; c++) {
		struct kms_card *card = kb->cards->pdata[c];
		kms_card_reprobe(kb, card, true);
		for (guint i = 0; i < card->outputs->len; i++) {
			kms_output_give_shadow(kb, card->outputs->pdata[i]);
		}
	}
	if (layout != NULL) {
		report_unconnected(kb, layout);
	}
	double slowest_hz = 0;
	int lit = 0;
	for (guint c = 0; c < kb->cards->len; c++) {
		struct kms_card *card = kb->cards->pdata[c];
		for (guint i = 0; i < card->outputs->len; i++) {
			struct kms_output *o = card->outputs->pdata[i];
			if (o->lit) {
				double hz = kms_mode_hz(&o->mode);
				slowest_hz = lit == 0 ? hz : MIN(slowest_hz, hz);
				lit++;
			}
		}
	}
	if (lit == 0) {
		wall_warning("kms: no output to light yet; waiting for a monitor");
	}
	backend->refresh_hz = slowest_hz > 1 ? slowest_hz : 60.0;
	start_hotplug(kb);
	start_input(kb);
	return true;
}

/* The soft renderer draws into the back buffers from its first frame on. */
void wall_kms_backend_attach(struct wall_backend *backend, struct wall_renderer *renderer)
{
	if (backend == NULL || backend->impl != &kms_impl || !wall_renderer_is_soft(renderer)) {
		return;
	}
	struct kms_backend *kb = kms_from(backend);
	kb->soft_renderer = renderer;
	kms_set_targets(kb);
}

static void kms_destroy(struct wall_backend *backend)
{
	struct kms_backend *kb = kms_from(backend);
	kms_wait_flips(kb);
	for (guint c = 0; c < kb->cards->len; c++) {
		struct kms_card *card = kb->cards->pdata[c];
		for (guint i = 0; i < card->outputs->len; i++) {
			struct kms_output *o = card->outputs->pdata[i];
			if (o->lit && o->flips > 0) {
				double s = (g_get_monotonic_time() - o->lit_us) /
				           (double)G_USEC_PER_SEC;
				wall_info("kms: %s: %" G_GUINT64_FORMAT
				          " page flips in %.1f s (%.1f/s)",
				          o->name, o->flips, s, o->flips / s);
			}
		}
	}
	/* gl: the outputs' surfaces, then EGL and the GBM devices, while the
	 * cards are still open; kms_gl_finish reads kb->cards. */
	for (guint c = 0; c < kb->cards->len; c++) {
		struct kms_card *card = kb->cards->pdata[c];
		for (guint i = 0; i < card->outputs->len; i++) {
			kms_gl_output_stop(kb, card->outputs->pdata[i]);
		}
	}
	kms_gl_finish(kb);
	for (guint c = 0; c < kb->cards->len; c++) {
		card_destroy(kb, kb->cards->pdata[c]);
	}
	wall_input_destroy(kb->input);
	g_ptr_array_unref(kb->cards);
	g_array_unref(kb->targets);
	udev_monitor_unref(kb->monitor);
	udev_unref(kb->udev);
	/* Whoever opened devices through us closed them: the seat goes now. */
	g_hash_table_unref(kb->devices);
	kms_session_close(kb->session);
	g_free(kb);
}

static const struct wall_backend_impl kms_impl = {
        .name = "kms",
        .init = kms_init,
        .present = kms_present,
        .dispatch = kms_dispatch,
        .destroy = kms_destroy,
        .take_key = kms_take_key,
        .relayout = kms_relayout,
};

struct wall_backend *wall_kms_backend_create(const struct wall_backend_options *options)
{
	struct kms_backend *kb = g_new0(struct kms_backend, 1);
	kb->base.impl = &kms_impl;
	kb->base.options = *options;
	kb->base.has_vsync = true;
	kb->base.refresh_hz = 60.0;
	kb->started_us = g_get_monotonic_time();
	kb->egl_display = EGL_NO_DISPLAY;
	kb->egl_context = EGL_NO_CONTEXT;
	kb->targets = g_array_new(FALSE, FALSE, sizeof(struct wall_soft_target));
	kb->cards = g_ptr_array_new();
	kb->devices = g_hash_table_new(g_direct_hash, g_direct_equal);
	GPtrArray *paths = wall_kms_card_paths();
	/* A seat takes the VT: only worth it when there are cards to open. */
	kb->session = paths->len > 0 ? kms_session_open() : NULL;
	for (guint i = 0; i < paths->len; i++) {
		struct kms_card *card = card_open(kb, paths->pdata[i]);
		if (card != NULL) {
			g_ptr_array_add(kb->cards, card);
		}
	}
	g_ptr_array_unref(paths);
	if (kb->cards->len == 0) {
		wall_error("kms: no display card to open (is this a machine with /dev/dri/card*, "
		           "and may this user open it?)");
		kms_destroy(&kb->base);
		return NULL;
	}
	return &kb->base;
}

int wall_kms_backend_open_device(struct wall_backend *backend, const char *path, int flags)
{
	if (backend == NULL || backend->impl != &kms_impl || kms_from(backend)->session == NULL) {
		return open(path, flags | O_CLOEXEC);
	}
	struct kms_backend *kb = kms_from(backend);
	int device_id = -1;
	int fd = kms_session_open_device(kb->session, path, &device_id);
	if (fd >= 0 && (flags & O_NONBLOCK)) {
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	}
	if (fd >= 0) {
		g_hash_table_insert(kb->devices, GINT_TO_POINTER(fd), GINT_TO_POINTER(device_id));
	}
	return fd;
}

void wall_kms_backend_close_device(struct wall_backend *backend, int fd)
{
	if (backend == NULL || backend->impl != &kms_impl || kms_from(backend)->session == NULL) {
		close(fd);
		return;
	}
	struct kms_backend *kb = kms_from(backend);
	gpointer id = NULL;
	bool known = g_hash_table_lookup_extended(kb->devices, GINT_TO_POINTER(fd), NULL, &id);
	g_hash_table_remove(kb->devices, GINT_TO_POINTER(fd));
	kms_session_close_device(kb->session, fd, known ? GPOINTER_TO_INT(id) : -1);
}

/* Without a forced probe: what the kernel saw last, which is cheap to ask. */
size_t kms_count_connected(GPtrArray *paths)
{
	size_t count = 0;
	for (guint i = 0; i < paths->len; i++) {
		int fd = open(paths->pdata[i], O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			fd = open(paths->pdata[i], O_RDONLY | O_CLOEXEC);
		}
		drmModeRes *res = fd >= 0 ? drmModeGetResources(fd) : NULL;
		for (int c = 0; res != NULL && c < res->count_connectors; c++) {
			drmModeConnector *conn = drmModeGetConnectorCurrent(fd, res->connectors[c]);
			count += conn != NULL && conn->connection == DRM_MODE_CONNECTED;
			drmModeFreeConnector(conn);
		}
		drmModeFreeResources(res);
		if (fd >= 0) {
			close(fd);
		}
	}
	return count;
}

bool wall_kms_available(void)
{
	GPtrArray *paths = wall_kms_card_paths();
	bool found = kms_count_connected(paths) > 0;
	g_ptr_array_unref(paths);
	return found;
}
