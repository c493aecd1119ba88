#include "text.h"

#include <glib.h>
#include <string.h>

char *wall_text_cut(const char *text, size_t max_bytes, bool *cut)
{
	static const char ellipsis[] = "…";
	char *valid = g_utf8_make_valid(text != NULL ? text : "", -1);
	size_t length = strlen(valid);
	if (cut != NULL) {
		*cut = length > max_bytes;
	}
	if (length <= max_bytes) {
		return valid;
	}
	size_t keep = max_bytes > sizeof(ellipsis) - 1 ? max_bytes - (sizeof(ellipsis) - 1) : 0;
	/* Back up to the first byte of a character: never half of one. */
	while (keep > 0 && ((unsigned char)valid[keep] & 0xc0) == 0x80) {
		keep--;
	}
	valid[keep] = '\0';
	char *shown = keep + sizeof(ellipsis) - 1 <= max_bytes ? g_strconcat(valid, ellipsis, NULL)
	                                                       : g_strdup(valid);
	g_free(valid);
	return shown;
}
