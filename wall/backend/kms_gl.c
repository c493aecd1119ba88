/*
 * The kms backend's gl path: one EGL context on the first card's GBM
 * device, one GBM + EGL window surface per output. The gl renderer draws
 * the canvas once; each output gets its crop blitted 1:1 on the GPU, is
 * swapped, and its newest buffer object is flipped to. On Mesa without a
 * GPU this is kms_swrast; on a real GPU, the GPU.
 *
 * An output on another card, which this context cannot draw to, gets
 * dumb buffers on its own card, and its crop is read back into them each
 * frame (glReadPixels, in scanout byte order where GL ES allows it): one
 * copy per frame through memory, so the monitors of a busy wall belong on
 * the first card.
 */
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES3/gl3.h>
#include <errno.h>
#include <gbm.h>
#include <string.h>

#include "kms.h"
#include "log.h"

struct bo_fb {
	int fd;
	uint32_t fb_id;
};

static void free_bo_fb(struct gbm_bo *bo, void *data)
{
	struct bo_fb *fb = data;
	if (fb != NULL) {
		drmModeRmFB(fb->fd, fb->fb_id);
		g_free(fb);
	}
}

/* The framebuffer of a buffer object, made once and kept with it. */
static uint32_t bo_fb_id(int fd, struct gbm_bo *bo)
{
	struct bo_fb *fb = gbm_bo_get_user_data(bo);
	if (fb != NULL) {
		return fb->fb_id;
	}
	uint32_t handles[4] = {gbm_bo_get_handle(bo).u32};
	uint32_t strides[4] = {gbm_bo_get_stride(bo)};
	uint32_t offsets[4] = {0};
	uint32_t fb_id = 0;
	if (drmModeAddFB2(fd, gbm_bo_get_width(bo), gbm_bo_get_height(bo), gbm_bo_get_format(bo),
	                  handles, strides, offsets, &fb_id, 0) != 0) {
		wall_error("kms: cannot make a framebuffer of a GBM buffer: %s", strerror(errno));
		return 0;
	}
	fb = g_new0(struct bo_fb, 1);
	fb->fd = fd;
	fb->fb_id = fb_id;
	gbm_bo_set_user_data(bo, fb, free_bo_fb);
	return fb_id;
}

static struct kms_card *gl_card(struct kms_backend *kb)
{
	return kb->cards->len > 0 ? kb->cards->pdata[0] : NULL;
}

bool kms_gl_init(struct kms_backend *kb)
{
	struct kms_card *card = gl_card(kb);
	card->gbm = gbm_create_device(card->fd);
	if (card->gbm == NULL) {
		wall_error("kms: no GBM device on %s", card->path);
		return false;
	}
	PFNEGLGETPLATFORMDISPLAYEXTPROC get_platform_display =
	        (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
	kb->egl_display = get_platform_display != NULL
	                          ? get_platform_display(EGL_PLATFORM_GBM_KHR, card->gbm, NULL)
	                          : EGL_NO_DISPLAY;
	if (kb->egl_display == EGL_NO_DISPLAY || !eglInitialize(kb->egl_display, NULL, NULL)) {
		wall_error("kms: no EGL display on %s's GBM device (error 0x%04x)", card->path,
		           eglGetError());
		goto err_display;
	}
	if (!eglBindAPI(EGL_OPENGL_ES_API)) {
		goto err_config;
	}
	/* clang-format off */
	const EGLint config_attribs[] = {
		EGL_SURFACE_TYPE, EGL_WINDOW_BIT,
		EGL_RENDERABLE_TYPE, EGL_OPENGL_ES3_BIT,
		EGL_RED_SIZE, 8,
		EGL_GREEN_SIZE, 8,
		EGL_BLUE_SIZE, 8,
		EGL_ALPHA_SIZE, 0,
		EGL_NONE,
	};
	/* clang-format on */
	/* The config whose buffers are XRGB8888, what the outputs scan out. */
	EGLConfig configs[64];
	EGLint count = 0;
	eglChooseConfig(kb->egl_display, config_attribs, configs, 64, &count);
	bool found = false;
	for (EGLint i = 0; i < count && !found; i++) {
		EGLint visual = 0;
		eglGetConfigAttrib(kb->egl_display, configs[i], EGL_NATIVE_VISUAL_ID, &visual);
		if ((uint32_t)visual == GBM_FORMAT_XRGB8888) {
			kb->egl_config = configs[i];
			found = true;
		}
	}
	if (!found) {
		wall_error("kms: EGL on %s has no GL ES 3 configuration for XRGB8888", card->path);
		goto err_config;
	}
	const EGLint context_attribs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_NONE};
	kb->egl_context =
	        eglCreateContext(kb->egl_display, kb->egl_config, EGL_NO_CONTEXT, context_attribs);
	if (kb->egl_context == EGL_NO_CONTEXT) {
		wall_error("kms: cannot create a GL ES 3 context (error 0x%04x)", eglGetError());
		goto err_config;
	}
	/* No surface yet: outputs come later, the renderer is made now. */
	if (!eglMakeCurrent(kb->egl_display, EGL_NO_SURFACE, EGL_NO_SURFACE, kb->egl_context)) {
		wall_error("kms: cannot make the GL context current (error 0x%04x)", eglGetError());
		goto err_current;
	}
	kb->base.gl_renderer_name = (const char *)glGetString(GL_RENDERER);
	return true;

err_current:
	eglDestroyContext(kb->egl_display, kb->egl_context);
	kb->egl_context = EGL_NO_CONTEXT;
err_config:
	eglTerminate(kb->egl_display);
	kb->egl_display = EGL_NO_DISPLAY;
err_display:
	gbm_device_destroy(card->gbm);
	card->gbm = NULL;
	return false;
}

bool kms_gl_draws_on(struct kms_backend *kb, const struct kms_card *card)
{
	return card == gl_card(kb) && card->gbm != NULL;
}

bool kms_gl_output_start(struct kms_backend *kb, struct kms_output *output)
{
	struct kms_card *card = output->card;
	output->gbm_surface =
	        gbm_surface_create(card->gbm, output->mode.hdisplay, output->mode.vdisplay,
	                           GBM_FORMAT_XRGB8888, GBM_BO_USE_SCANOUT | GBM_BO_USE_RENDERING);
	if (output->gbm_surface == NULL) {
		wall_error("kms: %s: cannot make a GBM surface: %s", output->name, strerror(errno));
		return false;
	}
	output->egl_surface = eglCreateWindowSurface(
	        kb->egl_display, kb->egl_config, (EGLNativeWindowType)output->gbm_surface, NULL);
	if (output->egl_surface == EGL_NO_SURFACE) {
		wall_error("kms: %s: cannot make an EGL surface (error 0x%04x)", output->name,
		           eglGetError());
		gbm_surface_destroy(output->gbm_surface);
		output->gbm_surface = NULL;
		return false;
	}
	return true;
}

void kms_gl_output_stop(struct kms_backend *kb, struct kms_output *output)
{
	if (output->gbm_surface == NULL) {
		return;
	}
	eglMakeCurrent(kb->egl_display, EGL_NO_SURFACE, EGL_NO_SURFACE, kb->egl_context);
	if (output->pending_bo != NULL) {
		gbm_surface_release_buffer(output->gbm_surface, output->pending_bo);
	}
	if (output->shown_bo != NULL) {
		gbm_surface_release_buffer(output->gbm_surface, output->shown_bo);
	}
	output->pending_bo = NULL;
	output->shown_bo = NULL;
	eglDestroySurface(kb->egl_display, output->egl_surface);
	output->egl_surface = EGL_NO_SURFACE;
	gbm_surface_destroy(output->gbm_surface);
	output->gbm_surface = NULL;
}

bool kms_gl_output_draw(struct kms_backend *kb, struct kms_output *output,
                        struct wall_renderer *renderer, uint32_t *fb_id)
{
	if (!eglMakeCurrent(kb->egl_display, output->egl_surface, output->egl_surface,
	                    kb->egl_context)) {
		return false;
	}
	glBindFramebuffer(GL_FRAMEBUFFER, 0);
	glViewport(0, 0, output->mode.hdisplay, output->mode.vdisplay);
	wall_gl_renderer_blit_crop(renderer, &output->crop, output->mode.hdisplay,
	                           output->mode.vdisplay);
	if (!eglSwapBuffers(kb->egl_display, output->egl_surface)) {
		wall_warning("kms: %s: swap failed (error 0x%04x)", output->name, eglGetError());
		return false;
	}
	struct gbm_bo *bo = gbm_surface_lock_front_buffer(output->gbm_surface);
	if (bo == NULL) {
		wall_warning("kms: %s: no buffer to show", output->name);
		return false;
	}
	*fb_id = bo_fb_id(output->card->fd, bo);
	if (*fb_id == 0) {
		gbm_surface_release_buffer(output->gbm_surface, bo);
		return false;
	}
	/*
	 * The flips before this one have landed (present waits for them):
	 * what was pending is on screen now, and what was on screen before
	 * it can be drawn again. A modeset shows bo at once.
	 */
	if (output->pending_bo != NULL) {
		kms_gl_flip_done(output);
	}
	output->pending_bo = bo;
	if (output->needs_modeset) {
		kms_gl_flip_done(output);
	}
	return true;
}

void kms_gl_output_read(struct kms_backend *kb, struct kms_output *o,
                        struct wall_renderer *renderer)
{
	struct kms_buffer *back = &o->buffers[o->back];
	if (!wall_gl_renderer_read_crop(renderer, &o->crop, back->map, (int)back->stride)) {
		kms_output_failed(o, "reading its part of the canvas back", "a GL error");
		return;
	}
	if (!kms_output_show(kb, o, back->fb_id)) {
		return;
	}
	/* Present waited for the last flip: the buffer shown before it is free. */
	int shown = o->newest;
	o->newest = o->back;
	o->back = KMS_BUFFERS * (KMS_BUFFERS - 1) / 2 - shown - o->newest;
}

void kms_gl_flip_done(struct kms_output *output)
{
	if (output->gbm_surface == NULL || output->pending_bo == NULL) {
		return;
	}
	if (output->shown_bo != NULL) {
		gbm_surface_release_buffer(output->gbm_surface, output->shown_bo);
	}
	output->shown_bo = output->pending_bo;
	output->pending_bo = NULL;
}

void kms_gl_finish(struct kms_backend *kb)
{
	if (kb->egl_display != EGL_NO_DISPLAY) {
		eglMakeCurrent(kb->egl_display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
		eglDestroyContext(kb->egl_display, kb->egl_context);
		eglTerminate(kb->egl_display);
		eglReleaseThread();
	}
	for (guint c = 0; c < kb->cards->len; c++) {
		struct kms_card *card = kb->cards->pdata[c];
		if (card->gbm != NULL) {
			gbm_device_destroy(card->gbm);
			card->gbm = NULL;
		}
	}
}
