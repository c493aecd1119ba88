/*
 * The supervisor thread of one isolated source: it serves the running
 * child, sends heartbeats, notices a death at once (pidfd) and a hang by
 * the deadline, and starts a new child after the camera's backoff.
 */
#define _GNU_SOURCE
#include "isolate/proxy_private.h"

#include <errno.h>
#include <poll.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

/* The supervisor thread. */

static void tell_view(struct wall_isolate *isolate, struct child *child)
{
	g_mutex_lock(&isolate->lock);
	struct wall_ipc_header size = {.type = WALL_IPC_VIEW_SIZE,
	                               .a = isolate->view_width_px,
	                               .b = isolate->view_height_px};
	bool sized = isolate->view_width_px > 0;
	bool told = isolate->visibility_told;
	struct wall_ipc_header visibility = {.type = isolate->visible ? WALL_IPC_SHOW
	                                                              : WALL_IPC_HIDE};
	g_mutex_unlock(&isolate->lock);
	if (sized) {
		child_send(child, size, NULL, 0);
	}
	if (told) {
		child_send(child, visibility, NULL, 0);
	}
}

static bool start_child(struct wall_isolate *isolate, struct run *run)
{
	struct child *child = child_spawn(isolate);
	if (child == NULL) {
		return false;
	}
	g_mutex_lock(&isolate->lock);
	isolate->child = child_ref(child);
	g_mutex_unlock(&isolate->lock);
	run->child = child;
	run->started_us = g_get_monotonic_time();
	run->last_pong_us = run->started_us;
	run->last_ping_us = 0;
	run->hung = false;
	run->stale = false;
	run->violated = false;
	run->ready = false;
	run->last_frame_us = 0;
	run->steady_wakes = 0;
	run->frames_seen = (guint)g_atomic_int_get(&isolate->frames_taken);
	run->state = WALL_SOURCE_STATE_INVALID;
	g_mutex_lock(&isolate->lock);
	isolate->base_kb = 0;
	isolate->vm_kb = 0;
	g_mutex_unlock(&isolate->lock);
	wall_info("%s: plugin %s runs isolated in child %d",
	          isolate->host->source_name(isolate->source), isolate->plugin_name,
	          (int)child->pid);
	tell_view(isolate, child);
	return true;
}

/* Forget the child: no more sends to it; frames still shown keep its buffers. */
static siginfo_t end_child(struct wall_isolate *isolate, struct run *run, bool kill_it)
{
	struct child *child = run->child;
	g_mutex_lock(&isolate->lock);
	struct child *kept = g_steal_pointer(&isolate->child);
	/* The plugin's own pairs were the dead child's. */
	g_byte_array_set_size(isolate->status, 0);
	g_mutex_unlock(&isolate->lock);
	g_mutex_lock(&child->lock);
	close(child->sock);
	child->sock = -1;
	g_mutex_unlock(&child->lock);
	if (kill_it) {
		struct pollfd pfd = {.fd = child->pidfd, .events = POLLIN};
		if (poll(&pfd, 1, GRACE_MS) <= 0) {
			pidfd_send_signal(child->pidfd, SIGKILL, NULL, 0);
		}
	}
	siginfo_t info = {0};
	while (waitid(P_PIDFD, (id_t)child->pidfd, &info, WEXITED) != 0 && errno == EINTR) {
	}
	child_unref(kept);
	child_unref(child);
	run->child = NULL;
	return info;
}

/* Read the wake eventfd empty, so that poll() waits again (stopping is a flag of its own). */
static void drain_wake(struct wall_isolate *isolate)
{
	uint64_t count;
	if (read(isolate->wake_fd, &count, sizeof(count)) < 0) {
		/* Nonblocking: nothing to read. */
	}
}

static bool is_stopping(struct wall_isolate *isolate)
{
	g_mutex_lock(&isolate->host_lock);
	bool stopping = isolate->stopping;
	g_mutex_unlock(&isolate->host_lock);
	return stopping;
}

/*
 * Serve the running child until it ends (or the source goes). Returns
 * true when the child ended by itself (or hung) and should be restarted.
 */
static bool serve_child(struct wall_isolate *isolate, struct run *run,
                        struct wall_ipc_message *message)
{
	struct child *child = run->child;
	for (;;) {
		struct pollfd fds[3] = {
		        {.fd = child->sock, .events = POLLIN},
		        {.fd = child->pidfd, .events = POLLIN},
		        {.fd = isolate->wake_fd, .events = POLLIN},
		};
		/* Awake only as often as the work below needs: a death wakes it at once. */
		poll(fds, 3, isolate->memory_mb > 0 ? SAMPLE_MS : PING_MS);
		if (is_stopping(isolate)) {
			return false;
		}
		if (fds[2].revents & POLLIN) {
			drain_wake(isolate);
		}
		if (fds[0].revents & POLLIN) {
			if (!wall_ipc_receive(child->sock, message)) {
				/* Gone (the pidfd then says how), or it sent no message of ours. */
				run->violated = message->header.type != WALL_IPC_INVALID;
				pidfd_send_signal(child->pidfd, SIGKILL, NULL, 0);
				return true;
			}
			g_mutex_lock(&isolate->host_lock);
			bool ok = isolate->stopping || child_handle(isolate, child, message, run);
			if (message->header.type == WALL_IPC_READY && !run->ready) {
				run->ready = true;
				run->last_pong_us = g_get_monotonic_time();
			}
			g_mutex_unlock(&isolate->host_lock);
			if (message->fd >= 0) {
				close(message->fd);
			}
			if (!ok) {
				wall_warning("%s: plugin child %d broke the protocol (message %u); "
				             "killed",
				             isolate->plugin_name, (int)child->pid,
				             message->header.type);
				run->violated = true;
				pidfd_send_signal(child->pidfd, SIGKILL, NULL, 0);
				return true;
			}
		} else if (fds[0].revents & (POLLHUP | POLLERR)) {
			/* It closed its end: gone, or of no use any more. */
			pidfd_send_signal(child->pidfd, SIGKILL, NULL, 0);
			return true;
		} else if (fds[1].revents & (POLLIN | POLLHUP)) {
			return true;
		}
		/* Pictures nobody took yet (a hidden source's), and what the render thread found.
		 */
		g_mutex_lock(&isolate->host_lock);
		bool pictures_ok = isolate->stopping || child_take_pictures(isolate, child);
		g_mutex_unlock(&isolate->host_lock);
		if (!pictures_ok || g_atomic_int_get(&isolate->violator) == child->number) {
			wall_warning("%s: plugin child %d broke the protocol (its shared page); "
			             "killed",
			             isolate->plugin_name, (int)child->pid);
			run->violated = true;
			pidfd_send_signal(child->pidfd, SIGKILL, NULL, 0);
			return true;
		}
		int64_t now = g_get_monotonic_time();
		faults_note_wake(isolate, run, now);
		int64_t silence_ms = run->ready ? HANG_MS : START_MS;
		if (now - run->last_pong_us > silence_ms * 1000) {
			run->hung = true;
			pidfd_send_signal(child->pidfd, SIGKILL, NULL, 0);
			return true;
		}
		if (faults_pictures_stopped(isolate, run, now)) {
			run->stale = true;
			pidfd_send_signal(child->pidfd, SIGKILL, NULL, 0);
			return true;
		}
		if (now - run->last_ping_us >= (int64_t)PING_MS * 1000) {
			run->last_ping_us = now;
			struct wall_ipc_header ping = {.type = WALL_IPC_PING, .a = ++run->seq};
			child_send(child, ping, NULL, 0);
		}
		int64_t sample_ms = isolate->memory_mb > 0 ? SAMPLE_MS : SAMPLE_UNLIMITED_MS;
		if (now - run->last_sample_us >= sample_ms * 1000) {
			run->last_sample_us = now;
			child_sample_memory(isolate, child->pid);
		}
	}
}

/* Sleep until deadline_us, or until the source goes; false when it goes. */
static bool wait_until(struct wall_isolate *isolate, int64_t deadline_us)
{
	for (;;) {
		int64_t left_ms = (deadline_us - g_get_monotonic_time()) / 1000;
		if (is_stopping(isolate)) {
			return false;
		}
		if (left_ms <= 0) {
			return true;
		}
		struct pollfd pfd = {.fd = isolate->wake_fd, .events = POLLIN};
		if (poll(&pfd, 1, (int)MIN(left_ms, 1000)) > 0) {
			drain_wake(isolate);
		}
	}
}

void *supervisor_run(void *data)
{
	struct wall_isolate *isolate = data;
	struct wall_ipc_message *message = g_new(struct wall_ipc_message, 1);
	int64_t backoff_ms = BACKOFF_FIRST_MS;
	struct run run = {0};
	bool first = true;
	while (!is_stopping(isolate)) {
		if (!first) {
			g_mutex_lock(&isolate->host_lock);
			if (!isolate->stopping) {
				isolate->host->set_state(isolate->source,
				                         WALL_SOURCE_STATE_CONNECTING, NULL);
			}
			g_mutex_unlock(&isolate->host_lock);
		}
		first = false;
		if (!start_child(isolate, &run)) {
			g_mutex_lock(&isolate->host_lock);
			if (!isolate->stopping) {
				isolate->host->set_state(isolate->source, WALL_SOURCE_STATE_ERROR,
				                         "wall-plugin-host cannot start");
			}
			g_mutex_unlock(&isolate->host_lock);
			if (!wait_until(isolate, g_get_monotonic_time() + backoff_ms * 1000)) {
				break;
			}
			backoff_ms = MIN(backoff_ms * 2, BACKOFF_MAX_MS);
			continue;
		}
		bool ended = serve_child(isolate, &run, message);
		pid_t pid = run.child->pid;
		int64_t lived_ms = (g_get_monotonic_time() - run.started_us) / 1000;
		siginfo_t info = end_child(isolate, &run, !ended);
		if (!ended) {
			break;
		}
		if (lived_ms >= HEALTHY_MS) {
			backoff_ms = BACKOFF_FIRST_MS;
		}
		const char *kind = NULL;
		char *reason = faults_describe_end(isolate, &info, &run, &kind);
		g_mutex_lock(&isolate->host_lock);
		if (!isolate->stopping) {
			faults_report_end(isolate, reason, kind, pid, backoff_ms);
		}
		g_mutex_unlock(&isolate->host_lock);
		g_free(reason);
		/* Some jitter, so that many children that died together do not return together. */
		int64_t delay_ms = backoff_ms + g_random_int_range(0, (int32_t)backoff_ms / 10 + 1);
		backoff_ms = MIN(backoff_ms * 2, BACKOFF_MAX_MS);
		if (!wait_until(isolate, g_get_monotonic_time() + delay_ms * 1000)) {
			break;
		}
		g_mutex_lock(&isolate->lock);
		isolate->restarts++;
		uint64_t restarts = isolate->restarts;
		g_mutex_unlock(&isolate->lock);
		g_mutex_lock(&isolate->host_lock);
		if (!isolate->stopping) {
			isolate->host->publish_metric(isolate->source, "isolate.restarts",
			                              (double)restarts);
		}
		g_mutex_unlock(&isolate->host_lock);
	}
	g_free(message);
	return NULL;
}
