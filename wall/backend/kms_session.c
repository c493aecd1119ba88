/*
 * Who may open the cards: libseat when a seat manager answers (seatd or
 * logind, so a plain user in a systemd unit on a VT can run the wall),
 * else the device files themselves, which takes root or the video group.
 * Through libseat, a VT switch takes the cards away (drm master dropped)
 * and gives them back; the backend pauses in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <libseat.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "kms.h"
#include "log.h"

struct kms_session {
	struct libseat *seat;
	bool active;
	bool changed;
};

static void on_enable(struct libseat *seat, void *data)
{
	struct kms_session *session = data;
	session->active = true;
	session->changed = true;
}

static void on_disable(struct libseat *seat, void *data)
{
	struct kms_session *session = data;
	session->active = false;
	session->changed = true;
	/* Tell the seat manager we let go: it may switch VT now. */
	libseat_disable_seat(seat);
}

static struct libseat_seat_listener listener = {
        .enable_seat = on_enable,
        .disable_seat = on_disable,
};

static void quiet_libseat(enum libseat_log_level level, const char *format, va_list args)
{
	if (level == LIBSEAT_LOG_LEVEL_ERROR) {
		char *text = g_strdup_vprintf(format, args);
		wall_debug("libseat: %s", text);
		g_free(text);
	}
}

struct kms_session *kms_session_open(void)
{
	struct kms_session *session = g_new0(struct kms_session, 1);
	session->active = true;
	if (kms_env_flag("WALL_KMS_NO_LIBSEAT")) {
		wall_info("kms: opening the cards directly (WALL_KMS_NO_LIBSEAT)");
		return session;
	}
	libseat_set_log_handler(quiet_libseat);
	libseat_set_log_level(LIBSEAT_LOG_LEVEL_ERROR);
	session->seat = libseat_open_seat(&listener, session);
	if (session->seat == NULL) {
		wall_info("kms: no seat manager answered; opening the cards directly");
		return session;
	}
	/* The seat is usable once enabled; libseat says so on its first dispatch. */
	session->active = false;
	for (int i = 0; i < 20 && !session->active; i++) {
		if (libseat_dispatch(session->seat, 100) < 0) {
			break;
		}
	}
	session->changed = false;
	wall_info("kms: seat %s through libseat%s", libseat_seat_name(session->seat),
	          session->active ? "" : " (not active yet)");
	return session;
}

bool kms_session_dispatch(struct kms_session *session, bool *changed)
{
	if (session->seat != NULL) {
		libseat_dispatch(session->seat, 0);
	}
	*changed = session->changed;
	session->changed = false;
	return session->active;
}

int kms_session_open_device(struct kms_session *session, const char *path, int *device_id)
{
	*device_id = -1;
	if (session->seat != NULL) {
		int fd = -1;
		int id = libseat_open_device(session->seat, path, &fd);
		if (id >= 0) {
			*device_id = id;
			return fd;
		}
		wall_warning("kms: libseat cannot open %s: %s; trying it directly", path,
		             strerror(errno));
	}
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		wall_warning("kms: cannot open %s: %s", path, strerror(errno));
	}
	return fd;
}

void kms_session_close_device(struct kms_session *session, int fd, int device_id)
{
	if (session != NULL && session->seat != NULL && device_id >= 0) {
		libseat_close_device(session->seat, device_id);
	}
	if (fd >= 0) {
		close(fd);
	}
}

void kms_session_close(struct kms_session *session)
{
	if (session == NULL) {
		return;
	}
	if (session->seat != NULL) {
		libseat_close_seat(session->seat);
	}
	g_free(session);
}
