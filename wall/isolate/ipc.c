#define _GNU_SOURCE
#include "isolate/ipc.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

bool wall_ipc_send(int sock, struct wall_ipc_header header, const void *text, size_t text_bytes,
                   int fd, bool nonblocking)
{
	if (text_bytes > WALL_IPC_MAX_BYTES) {
		return false;
	}
	header.text_bytes = (uint32_t)text_bytes;
	struct iovec iov[2] = {
	        {.iov_base = &header, .iov_len = sizeof(header)},
	        {.iov_base = (void *)text, .iov_len = text_bytes},
	};
	union {
		char buffer[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof(control));
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = text_bytes > 0 ? 2 : 1};
	if (fd >= 0) {
		msg.msg_control = control.buffer;
		msg.msg_controllen = sizeof(control.buffer);
		struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	int flags = MSG_NOSIGNAL | (nonblocking ? MSG_DONTWAIT : 0);
	ssize_t sent;
	do {
		sent = sendmsg(sock, &msg, flags);
	} while (sent < 0 && errno == EINTR);
	return sent == (ssize_t)(sizeof(header) + text_bytes);
}

/* Keep the first fd that came; close any other (a child may send many). */
static int take_fds(struct msghdr *msg)
{
	int kept = -1;
	for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	     cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
			continue;
		}
		size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
			if (kept < 0) {
				kept = fd;
			} else {
				close(fd);
			}
		}
	}
	return kept;
}

bool wall_ipc_receive(int sock, struct wall_ipc_message *message)
{
	union {
		char buffer[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} control;
	struct iovec iov[2] = {
	        {.iov_base = &message->header, .iov_len = sizeof(message->header)},
	        {.iov_base = message->text, .iov_len = WALL_IPC_MAX_BYTES},
	};
	struct msghdr msg = {.msg_iov = iov,
	                     .msg_iovlen = 2,
	                     .msg_control = control.buffer,
	                     .msg_controllen = sizeof(control.buffer)};
	ssize_t got;
	do {
		got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (got < 0 && errno == EINTR);
	message->fd = got > 0 ? take_fds(&msg) : -1;
	bool ok = got >= (ssize_t)sizeof(message->header) &&
	          !(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) &&
	          message->header.text_bytes == (size_t)got - sizeof(message->header) &&
	          message->header.type > WALL_IPC_INVALID &&
	          message->header.type < WALL_IPC_TYPE_MAX;
	if (!ok) {
		/* Tell "gone" from "sent garbage" (see ipc.h). */
		message->header.type = got > 0 ? WALL_IPC_TYPE_MAX : WALL_IPC_INVALID;
		if (message->fd >= 0) {
			close(message->fd);
			message->fd = -1;
		}
		return false;
	}
	message->text[message->header.text_bytes] = '\0';
	return true;
}

const char *wall_ipc_text_field(const char *text, size_t text_bytes, unsigned n)
{
	/* No pairs yet (an empty GByteArray's data is NULL). */
	if (text == NULL || text_bytes == 0) {
		return NULL;
	}
	size_t at = 0;
	for (unsigned i = 0; i < n; i++) {
		const char *end = memchr(text + at, '\0', text_bytes - at);
		if (end == NULL) {
			return NULL;
		}
		at = (size_t)(end - text) + 1;
		if (at >= text_bytes) {
			return NULL;
		}
	}
	/* The receiver NUL-terminates past text_bytes, so the last field ends. */
	return at < text_bytes ? text + at : NULL;
}

/* Planes and bytes per pixel of plane 0, per format. */
static const struct {
	uint32_t format;
	unsigned planes;
	unsigned bpp;
} layouts[] = {
        {WALL_PIXEL_FORMAT_I420, 3, 1},
        {WALL_PIXEL_FORMAT_NV12, 2, 1},
        {WALL_PIXEL_FORMAT_BGRA, 1, 4},
        {WALL_PIXEL_FORMAT_RGBA, 1, 4},
};

bool wall_ipc_format_layout(uint32_t format, unsigned *planes, unsigned *bpp)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		if (layouts[i].format == format) {
			*planes = layouts[i].planes;
			*bpp = layouts[i].bpp;
			return true;
		}
	}
	return false;
}

void wall_ipc_plane_size(uint32_t format, unsigned plane, uint32_t width_px, uint32_t height_px,
                         uint64_t *rows, uint64_t *row_bytes)
{
	unsigned planes, bpp;
	if (!wall_ipc_format_layout(format, &planes, &bpp)) {
		*rows = 0;
		*row_bytes = 0;
		return;
	}
	uint64_t chroma_width = ((uint64_t)width_px + 1) / 2;
	*rows = plane == 0 ? height_px : ((uint64_t)height_px + 1) / 2;
	if (plane == 0) {
		*row_bytes = (uint64_t)width_px * bpp;
	} else {
		*row_bytes = format == WALL_PIXEL_FORMAT_NV12 ? chroma_width * 2 : chroma_width;
	}
}
