/*
 * Why a child ended, in the tile's words (插件崩溃 SIGSEGV, 插件无响应,
 * 插件超出内存上限), and saying so: the log, the slate, the metric and
 * the event.
 */
#define _GNU_SOURCE
#include "isolate/proxy_private.h"

#include <string.h>

#include "json_write.h"
#include "log.h"

/* Why the child ended, in the tile's words, and the event's kind. */
char *faults_describe_end(struct wall_isolate *isolate, const siginfo_t *info,
                          const struct run *run, const char **kind)
{
	g_mutex_lock(&isolate->lock);
	/* The last sample had grown past three quarters of the limit. */
	bool near_limit =
	        isolate->memory_mb > 0 && isolate->vm_kb > isolate->base_kb &&
	        (isolate->vm_kb - isolate->base_kb) * 4 >= (uint64_t)isolate->memory_mb * 1024 * 3;
	bool hung = run->hung || run->stale;
	if (hung) {
		isolate->hangs++;
	} else if (near_limit) {
		isolate->memory_kills++;
	} else {
		isolate->crashes++;
	}
	g_mutex_unlock(&isolate->lock);
	const char *name = isolate->plugin_name;
	if (run->stale) {
		/* Heartbeats came, pictures did not: one of its threads is stuck. */
		*kind = "plugin_hang";
		return g_strdup_printf("%s: 插件无响应 (画面停止 %d s)", name, STALE_MS / 1000);
	}
	if (hung) {
		*kind = "plugin_hang";
		return g_strdup_printf("%s: 插件无响应 (%d s)", name, HANG_MS / 1000);
	}
	if (near_limit) {
		*kind = "plugin_memory";
		return g_strdup_printf("%s: 插件超出内存上限 %" G_GINT64_FORMAT " MB", name,
		                       isolate->memory_mb);
	}
	*kind = "plugin_crash";
	g_mutex_lock(&isolate->lock);
	char *create_error = g_steal_pointer(&isolate->create_error);
	g_mutex_unlock(&isolate->lock);
	if (create_error != NULL) {
		*kind = "plugin_failed";
		char *reason = g_strdup_printf("%s: %s", name, create_error);
		g_free(create_error);
		return reason;
	}
	if (run->violated) {
		return g_strdup_printf("%s: 插件违反协议", name);
	}
	if (info->si_code == CLD_EXITED) {
		return g_strdup_printf("%s: 插件退出 (%d)", name, info->si_status);
	}
	const char *abbrev = sigabbrev_np(info->si_status);
	return abbrev != NULL ? g_strdup_printf("%s: 插件崩溃 SIG%s", name, abbrev)
	                      : g_strdup_printf("%s: 插件崩溃 signal %d", name, info->si_status);
}

void faults_report_end(struct wall_isolate *isolate, const char *reason, const char *kind,
                       pid_t pid, int64_t backoff_ms)
{
	g_mutex_lock(&isolate->lock);
	g_free(isolate->last_exit);
	isolate->last_exit = g_strdup(reason);
	uint64_t count = isolate->crashes + isolate->hangs + isolate->memory_kills;
	g_mutex_unlock(&isolate->lock);
	const char *name = isolate->host->source_name(isolate->source);
	wall_warning("%s: plugin child %d (%s) ended: %s; restarting in %" G_GINT64_FORMAT " ms",
	             name, (int)pid, isolate->plugin_name, reason, backoff_ms);
	isolate->host->set_state(isolate->source, WALL_SOURCE_STATE_ERROR, reason);
	isolate->host->publish_metric(isolate->source, "isolate.failures", (double)count);
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	wall_json_set_string(builder, "plugin", isolate->plugin_name);
	wall_json_set_int(builder, "pid", pid);
	wall_json_set_string(builder, "reason", reason);
	json_builder_end_object(builder);
	char *json = wall_json_finish(builder);
	isolate->host->emit_event(isolate->source, kind, json);
	g_free(json);
}

void faults_note_wake(struct wall_isolate *isolate, struct run *run, int64_t now_us)
{
	guint taken = (guint)g_atomic_int_get(&isolate->frames_taken);
	if (taken == run->frames_seen) {
		return;
	}
	run->frames_seen = taken;
	bool steady = run->last_frame_us > 0 &&
	              now_us - run->last_frame_us <= (int64_t)STEADY_GAP_MS * 1000;
	run->steady_wakes = steady ? run->steady_wakes + 1 : 0;
	run->last_frame_us = now_us;
}

void faults_note_state(struct run *run, enum wall_source_state state)
{
	run->state = state;
	if (state != WALL_SOURCE_STATE_LIVE) {
		/* Not live: pictures may stop; steadiness counts again from the next ones. */
		run->steady_wakes = 0;
	}
}

bool faults_pictures_stopped(struct wall_isolate *isolate, struct run *run, int64_t now_us)
{
	g_mutex_lock(&isolate->lock);
	/* A hidden source may idle (a camera decodes key frames only). */
	bool hidden = isolate->visibility_told && !isolate->visible;
	uint64_t changes = isolate->visibility_changes;
	g_mutex_unlock(&isolate->lock);
	if (changes != run->visibility_changes) {
		/* Shown or hidden since: steadiness counts again from the next pictures. */
		run->visibility_changes = changes;
		run->steady_wakes = 0;
	}
	/* A plugin that never set a state is live by its pictures, as the host sees it. */
	bool live = run->state == WALL_SOURCE_STATE_LIVE || run->state == WALL_SOURCE_STATE_INVALID;
	return run->ready && live && !hidden && run->steady_wakes >= STEADY_WAKES &&
	       now_us - run->last_frame_us > (int64_t)STALE_MS * 1000;
}
