/* The problem-code registry; see errors.h. */
#include "fieldd/errors.h"

static const struct err_def registry[ERR__COUNT] = {
#define FIELDD_ERR_ROW(id, st, code, title) [id] = {st, code, title},
    FIELDD_ERRORS(FIELDD_ERR_ROW)
#undef FIELDD_ERR_ROW
};

const struct err_def *err_get(enum err_id id)
{
	if ((int)id < 0 || id >= ERR__COUNT)
		id = ERR_INTERNAL;
	return &registry[id];
}
