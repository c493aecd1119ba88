/*
 * The kms backend's parts, private to wall/backend/kms*.c: cards, their
 * outputs, and the pieces the soft (dumb buffers) and gl (GBM + EGL)
 * paths share. Everything runs on the render thread.
 */
#ifndef WALL_KMS_H
#define WALL_KMS_H

#include <EGL/egl.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "backend.h"
#include "outputs.h"

#define KMS_BUFFERS 3

struct gbm_device;
struct gbm_surface;
struct gbm_bo;
struct kms_session;
struct wall_input;

/** A scanout buffer: a dumb buffer (soft) or a GBM buffer object (gl). */
struct kms_buffer {
	uint32_t fb_id;
	/** Dumb buffers only. */
	uint32_t handle;
	uint8_t *map;
	size_t size;
	uint32_t stride;
	/** Frame number last drawn into it; 0 for never. */
	uint64_t drawn_frame;
	/** gl only: the buffer object this framebuffer wraps. */
	struct gbm_bo *bo;
};

struct kms_card;

struct kms_output {
	struct kms_card *card;
	char name[32];
	uint32_t connector_id;
	/** Where the layout puts it; planned false: it stays dark. */
	struct wall_output_plan plan;
	bool planned;
	/** The part of the canvas it shows: plan.rect cut to the mode. */
	struct wall_rect crop;
	bool lit;
	/** Lit but not yet modeset: the first present sets the mode with its picture. */
	bool needs_modeset;
	int crtc_index;
	uint32_t crtc_id;
	uint32_t plane_id;
	drmModeModeInfo mode;
	uint32_t mode_blob;
	/** The CRTC as it was before the wall, restored on exit. */
	drmModeCrtc *saved_crtc;
	bool flip_pending;
	int64_t flip_sent_us;
	uint64_t flips;
	int64_t lit_us;
	/* soft: KMS_BUFFERS dumb buffers; back is drawn, front is newest shown. */
	struct kms_buffer buffers[KMS_BUFFERS];
	int back;
	int newest;
	/**
	 * soft, for a planned output not lit yet: memory holding its part of
	 * the canvas (plan.rect), drawn like the others, so that a monitor
	 * plugged in later starts with the whole picture.
	 */
	uint8_t *shadow;
	/** Damage of the last KMS_BUFFERS frames, to bring an old buffer up to date. */
	GArray *damage[KMS_BUFFERS];
	uint64_t damage_frame[KMS_BUFFERS];
	/* gl */
	struct gbm_surface *gbm_surface;
	EGLSurface egl_surface;
	struct gbm_bo *shown_bo;
	struct gbm_bo *pending_bo;
	/* atomic property ids */
	uint32_t prop_conn_crtc_id;
	uint32_t prop_crtc_mode_id;
	uint32_t prop_crtc_active;
	uint32_t prop_plane_fb_id;
	uint32_t prop_plane_crtc_id;
	uint32_t prop_plane_src[4];
	uint32_t prop_plane_crtc[4];
};

struct kms_card {
	char *path;
	int fd;
	/** libseat's device id, or -1 when opened directly. */
	int device_id;
	bool atomic;
	char *driver;
	/** struct kms_output *, connector order. */
	GPtrArray *outputs;
	/** CRTCs taken by outputs of this card, by index. */
	uint32_t crtcs_used;
	struct gbm_device *gbm;
};

struct kms_backend {
	struct wall_backend base;
	enum wall_render_kind kind;
	struct kms_session *session;
	/** struct kms_card *. */
	GPtrArray *cards;
	uint64_t frame;
	bool logged_first_flip;
	int64_t started_us;
	/** struct wall_soft_target, one per lit output, handed to the soft renderer. */
	GArray *targets;
	struct wall_renderer *soft_renderer;
	/** Keyboards, keypads and remotes; NULL when libinput could not start. */
	struct wall_input *input;
	/* hotplug */
	struct udev *udev;
	struct udev_monitor *monitor;
	/* gl */
	EGLDisplay egl_display;
	EGLConfig egl_config;
	EGLContext egl_context;
	/** Set while the session is away (VT switch): nothing is drawn or flipped. */
	bool paused;
};

/* kms.c */
/** /dev/dri/card0, card1, … in number order ($WALL_KMS_DRI_DIR for another folder). */
GPtrArray *wall_kms_card_paths(void);
/** True when the environment variable is set, not empty and not "0". */
bool kms_env_flag(const char *name);
/** Connected connectors on these cards. */
size_t kms_count_connected(GPtrArray *paths);
bool kms_card_probe(struct kms_card *card, const struct wall_layout *layout, bool connected,
                    size_t *index);
bool kms_pick_mode(const drmModeConnector *connector, const struct wall_mode_request *want,
                   drmModeModeInfo *mode, const char *name);
double kms_mode_hz(const drmModeModeInfo *mode);
void kms_connector_name(const drmModeConnector *connector, char *name, size_t size);

/* kms_gl.c */
bool kms_gl_init(struct kms_backend *kb);
bool kms_gl_output_start(struct kms_backend *kb, struct kms_output *output);
void kms_gl_output_stop(struct kms_backend *kb, struct kms_output *output);
/** Blit the output's crop of the canvas and swap; the newest bo becomes pending_bo. */
bool kms_gl_output_draw(struct kms_backend *kb, struct kms_output *output,
                        struct wall_renderer *renderer, uint32_t *fb_id);
void kms_gl_finish(struct kms_backend *kb);
void kms_gl_flip_done(struct kms_output *output);

/* kms_session.c: libseat when it can, else the device itself (root). */
struct kms_session *kms_session_open(void);
/** The fd to poll for session events, or -1 without libseat. */
int kms_session_fd(struct kms_session *session);
/** Handle session events; returns false while the session is not ours (VT away). */
bool kms_session_dispatch(struct kms_session *session, bool *changed);
int kms_session_open_device(struct kms_session *session, const char *path, int *device_id);
void kms_session_close_device(struct kms_session *session, int fd, int device_id);
void kms_session_close(struct kms_session *session);

#endif
