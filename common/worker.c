#include "worker.h"

struct wall_worker {
	GMainContext *context;
	GMainLoop *loop;
	GThread *thread;
	wall_worker_fn start;
	wall_worker_fn finish;
	void *user;
};

static gpointer worker_main(gpointer data)
{
	struct wall_worker *worker = data;
	g_main_context_push_thread_default(worker->context);
	if (worker->start != NULL) {
		worker->start(worker->user);
	}
	g_main_loop_run(worker->loop);
	if (worker->finish != NULL) {
		worker->finish(worker->user);
	}
	g_main_context_pop_thread_default(worker->context);
	return NULL;
}

struct wall_worker *wall_worker_new(void)
{
	struct wall_worker *worker = g_new0(struct wall_worker, 1);
	worker->context = g_main_context_new();
	worker->loop = g_main_loop_new(worker->context, FALSE);
	return worker;
}

void wall_worker_start(struct wall_worker *worker, const char *name, wall_worker_fn start,
                       wall_worker_fn finish, void *user)
{
	worker->start = start;
	worker->finish = finish;
	worker->user = user;
	worker->thread = g_thread_new(name, worker_main, worker);
}

static gboolean quit_loop(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

void wall_worker_stop(struct wall_worker *worker)
{
	if (worker == NULL) {
		return;
	}
	/*
	 * A source, not g_main_loop_quit(): it works even before the loop
	 * runs. High priority, so a busy redraw timer cannot starve it.
	 */
	if (worker->thread != NULL) {
		GSource *quit = g_idle_source_new();
		g_source_set_priority(quit, G_PRIORITY_HIGH);
		g_source_set_callback(quit, quit_loop, worker->loop, NULL);
		g_source_attach(quit, worker->context);
		g_source_unref(quit);
		g_thread_join(worker->thread);
	}
	g_main_loop_unref(worker->loop);
	g_main_context_unref(worker->context);
	g_free(worker);
}

GMainContext *wall_worker_context(const struct wall_worker *worker)
{
	return worker->context;
}

GSource *wall_worker_post(struct wall_worker *worker, GSourceFunc fn, void *user, unsigned delay_ms,
                          bool keep)
{
	GSource *source = delay_ms > 0 ? g_timeout_source_new(delay_ms) : g_idle_source_new();
	g_source_set_callback(source, fn, user, NULL);
	g_source_attach(source, worker->context);
	if (keep) {
		return source;
	}
	g_source_unref(source);
	return NULL;
}
