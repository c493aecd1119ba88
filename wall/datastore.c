#include "datastore.h"

#include <glib.h>
#include <string.h>

#include "log.h"

struct document {
	char *json;
	uint64_t generation;
};

static GMutex lock;
static GHashTable *documents;
static uint64_t last_generation;
static uint64_t refused;

static void document_free(void *data)
{
	struct document *document = data;
	g_free(document->json);
	g_free(document);
}

static const char *refuse(const char *key, const char *why)
{
	/* The first refusal is logged, then one in a thousand: no log flood. */
	if (refused++ % 1000 == 0) {
		wall_warning("DATA %.64s refused: %s (%" G_GUINT64_FORMAT " refused so far)", key,
			     why, refused);
	}
	return why;
}

bool wall_data_set_checked(const char *key, const char *json, const char **why)
{
	const char *refusal = NULL;
	g_mutex_lock(&lock);
	if (documents == NULL) {
		documents = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, document_free);
	}
	if (strlen(key) > WALL_DATA_MAX_KEY_BYTES) {
		refusal = refuse(key, "the key is longer than "
				      G_STRINGIFY(WALL_DATA_MAX_KEY_BYTES) " bytes");
	} else if (g_hash_table_size(documents) >= WALL_DATA_MAX_KEYS &&
		   !g_hash_table_contains(documents, key)) {
		refusal = refuse(key, "the wall already holds " G_STRINGIFY(
					      WALL_DATA_MAX_KEYS) " data keys");
	} else {
		struct document *document = g_new0(struct document, 1);
		document->json = g_strdup(json);
		/* One counter for all keys: a generation never repeats, even when a
		 * key is cleared and set again. */
		document->generation = ++last_generation;
		g_hash_table_replace(documents, g_strdup(key), document);
	}
	g_mutex_unlock(&lock);
	if (why != NULL) {
		*why = refusal;
	}
	return refusal == NULL;
}

bool wall_data_set(const char *key, const char *json)
{
	return wall_data_set_checked(key, json, NULL);
}

bool wall_data_delete(const char *key)
{
	g_mutex_lock(&lock);
	bool found = documents != NULL && g_hash_table_remove(documents, key);
	g_mutex_unlock(&lock);
	return found;
}

unsigned wall_data_count(void)
{
	g_mutex_lock(&lock);
	unsigned count = documents != NULL ? g_hash_table_size(documents) : 0;
	g_mutex_unlock(&lock);
	return count;
}

uint64_t wall_data_refused(void)
{
	g_mutex_lock(&lock);
	uint64_t count = refused;
	g_mutex_unlock(&lock);
	return count;
}

char *wall_data_get(const char *key, uint64_t *generation)
{
	char *json = NULL;
	uint64_t found = 0;
	g_mutex_lock(&lock);
	struct document *document = documents != NULL ? g_hash_table_lookup(documents, key) : NULL;
	if (document != NULL) {
		json = g_strdup(document->json);
		found = document->generation;
	}
	g_mutex_unlock(&lock);
	if (generation != NULL) {
		*generation = found;
	}
	return json;
}

void wall_data_clear(void)
{
	g_mutex_lock(&lock);
	if (documents != NULL) {
		g_hash_table_destroy(documents);
		documents = NULL;
	}
	g_mutex_unlock(&lock);
}
