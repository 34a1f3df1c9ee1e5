/* state.c - the device state directory of dossier-collect (state.h). */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "collect/state.h"
#include "collect/tpm_ak.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/hex.h"

#define STATE_FILE	"state"
#define VERIFIER_FILE	"verifier.pem"
#define AK_PUB_FILE	"ak.pub"
#define AK_PRIV_FILE	"ak.priv"

/* Keys of the state file, in the order they are written. */
enum state_key {
	SK_FORMAT, SK_DEVICE_ID, SK_EK_TEMPLATE, SK_EK_HANDLE, SK_AK_HANDLE,
	SK_AK_NAME, SK_VERIFIER_ID, SK_COUNT
};
static const char *const state_keys[SK_COUNT] = {
	"format", "device-id", "ek-template", "ek-handle", "ak-handle",
	"ak-name", "verifier-id",
};

static int
state_path(char *out, size_t cap, const char *dir, const char *file,
    struct errbuf *e)
{
	int n = snprintf(out, cap, "%s/%s", dir, file);

	if (n < 0 || (size_t)n >= cap)
		return err_set(e, "state directory path too long: %s", dir);
	return 0;
}

int
state_dir_prepare(const char *dir, struct errbuf *e)
{
	struct stat st;

	if (lstat(dir, &st) != 0) {
		if (errno != ENOENT)
			return err_set(e, "state directory %s: %s", dir,
			    strerror(errno));
		if (mkdir(dir, 0700) != 0)
			return err_set(e, "cannot create state directory %s: %s",
			    dir, strerror(errno));
		return 0;
	}
	if (S_ISLNK(st.st_mode))
		return err_set(e, "state directory %s is a symbolic link", dir);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, "state directory %s is not a directory", dir);
	if ((st.st_mode & 022) != 0)
		return err_set(e, "state directory %s is writable by group or "
		    "others (mode %04o): chmod 700 it", dir,
		    (unsigned)(st.st_mode & 07777));
	return 0;
}

/* ---- verifier key ------------------------------------------------------- */

/* The key is an EC key on NIST P-256. */
static int
verifier_key_is_p256(EVP_PKEY *key, struct errbuf *e)
{
	char group[64];
	size_t glen = 0;

	if (!EVP_PKEY_is_a(key, "EC"))
		return err_set(e, "not an ECC key (%s): the verifier key is "
		    "ECC NIST P-256", EVP_PKEY_get0_type_name(key) != NULL ?
		    EVP_PKEY_get0_type_name(key) : "unknown type");
	if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), &glen) != 1)
		return err_set(e, "ECC key without a named curve: the verifier "
		    "key is NIST P-256");
	if (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0)
		return err_set(e, "ECC key on curve %s: the verifier key is "
		    "NIST P-256", group);
	return 0;
}

/* Only white space in buf[0..len). */
static bool
only_space(const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' &&
		    buf[i] != '\n')
			return false;
	return true;
}

int
state_verifier_key_check(const uint8_t *pem, size_t len,
    uint8_t id[STATE_ID_LEN], struct errbuf *e)
{
	static const char begin[] = "-----BEGIN PUBLIC KEY-----";
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL, *reenc = NULL;
	const unsigned char *p;
	EVP_PKEY *key = NULL;
	long der_len = 0;
	int reenc_len, ret = -1;
	BIO *bio = NULL;
	size_t used;

	if (len > STATE_VERIFIER_PEM_MAX)
		return err_set(e, "%zu bytes (limit %u): not a public key file",
		    len, STATE_VERIFIER_PEM_MAX);
	if (len < sizeof(begin) - 1 || memcmp(pem, begin, sizeof(begin) - 1))
		return err_set(e, "not a PEM public key (a file starting "
		    "\"%s\", as dossier init writes)", begin);
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return err_openssl(e, "BIO_new_mem_buf");
	if (PEM_read_bio(bio, &name, &header, &der, &der_len) != 1) {
		err_openssl(e, "malformed PEM");
		goto done;
	}
	used = len - (size_t)BIO_pending(bio);
	if (strcmp(name, "PUBLIC KEY") != 0 || header[0] != '\0' ||
	    !only_space(pem + used, len - used)) {
		err_set(e, "not exactly one PEM \"PUBLIC KEY\" block");
		goto done;
	}
	p = der;
	if ((key = d2i_PUBKEY(NULL, &p, der_len)) == NULL ||
	    p != der + der_len) {
		err_openssl(e, "malformed SubjectPublicKeyInfo");
		goto done;
	}
	if (verifier_key_is_p256(key, e) != 0)
		goto done;
	reenc_len = i2d_PUBKEY(key, &reenc);
	if (reenc_len != der_len || memcmp(reenc, der, (size_t)der_len) != 0) {
		err_set(e, "SubjectPublicKeyInfo not in its canonical DER form "
		    "(uncompressed point, named curve)");
		goto done;
	}
	if (hashalg_digest(hashalg_by_name("sha256"), der, (size_t)der_len,
	    id) != 0) {
		err_set(e, "SHA-256 failed");
		goto done;
	}
	ret = 0;
done:
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	OPENSSL_free(reenc);
	EVP_PKEY_free(key);
	BIO_free(bio);
	return ret;
}

/* ---- the state file ----------------------------------------------------- */

static int
parse_hex_exact(const char *v, uint8_t *out, size_t n, struct errbuf *e)
{
	if (strlen(v) != 2 * n || hex_decode(v, 2 * n, out, n) != (long)n)
		return err_set(e, "expected %zu hex digits", 2 * n);
	return 0;
}

/* "none" -> 0, else a persistent handle in hex ("0x81000002"). */
static int
parse_handle(const char *v, uint32_t *out, struct errbuf *e)
{
	unsigned long h;
	char *end;

	if (strcmp(v, "none") == 0) {
		*out = 0;
		return 0;
	}
	errno = 0;
	h = strtoul(v, &end, 16);
	if (errno != 0 || end == v || *end != '\0' || strncmp(v, "0x", 2) != 0 ||
	    h < TPM_PERSISTENT_FIRST || h > TPM_PERSISTENT_LAST)
		return err_set(e, "'%s' is not a persistent handle or none", v);
	*out = (uint32_t)h;
	return 0;
}

static int
parse_name(const char *v, struct tpm_name *out, struct errbuf *e)
{
	size_t n = strlen(v);
	long got;

	if (n % 2 != 0 || n / 2 < 2 || n / 2 > TPM_NAME_MAX_BYTES)
		return err_set(e, "not a TPM Name in hex");
	got = hex_decode(v, n, out->b, sizeof(out->b));
	if (got != (long)(n / 2))
		return err_set(e, "not a TPM Name in hex");
	out->len = (size_t)got;
	return 0;
}

static int
state_set_key(struct collect_state *st, enum state_key k, const char *v,
    struct errbuf *e)
{
	switch (k) {
	case SK_FORMAT:
		if (strcmp(v, "1") != 0)
			return err_set(e, "format %s is not %d (written by "
			    "another version of dossier-collect?)", v,
			    STATE_FORMAT);
		return 0;
	case SK_DEVICE_ID:
		return parse_hex_exact(v, st->device_id, STATE_ID_LEN, e);
	case SK_EK_TEMPLATE:
		if (tpm_ek_template_by_name(v) == NULL)
			return err_set(e, "unknown EK template '%s'", v);
		snprintf(st->ek_template, sizeof(st->ek_template), "%s", v);
		return 0;
	case SK_EK_HANDLE:
		return parse_handle(v, &st->ek_handle, e);
	case SK_AK_HANDLE:
		return parse_handle(v, &st->ak_handle, e);
	case SK_AK_NAME:
		return parse_name(v, &st->ak_name, e);
	case SK_VERIFIER_ID:
		return parse_hex_exact(v, st->verifier_id, STATE_ID_LEN, e);
	default:
		return err_set(e, "internal: key %d", (int)k);
	}
}

/* One "key=value" line (NUL-terminated, no newline). */
static int
state_parse_line(struct collect_state *st, char *line, bool seen[SK_COUNT],
    struct errbuf *e)
{
	char *eq = strchr(line, '=');
	size_t k;

	if (line[0] == '#' || line[0] == '\0')
		return 0;
	if (eq == NULL)
		return err_set(e, "not a key=value line");
	*eq = '\0';
	for (k = 0; k < SK_COUNT; k++)
		if (strcmp(line, state_keys[k]) == 0)
			break;
	if (k == SK_COUNT)
		return err_set(e, "unknown key '%s'", line);
	if (seen[k])
		return err_set(e, "key '%s' given twice", line);
	seen[k] = true;
	if (state_set_key(st, (enum state_key)k, eq + 1, e) != 0)
		return err_prefix(e, "%s", line);
	return 0;
}

static int
state_parse(struct collect_state *st, char *text, struct errbuf *e)
{
	bool seen[SK_COUNT] = { false };
	char *line = text, *nl;
	size_t k, lineno = 1;

	for (; *line != '\0'; line = nl + 1, lineno++) {
		if ((nl = strchr(line, '\n')) == NULL)
			return err_set(e, "line %zu has no newline", lineno);
		*nl = '\0';
		if (state_parse_line(st, line, seen, e) != 0)
			return err_prefix(e, "line %zu", lineno);
	}
	for (k = 0; k < SK_COUNT; k++)
		if (!seen[k])
			return err_set(e, "key '%s' is missing", state_keys[k]);
	return 0;
}

/* Read dir/file (at most max bytes) into out. */
static int
state_read_file(const char *dir, const char *file, uint8_t *out, size_t max,
    size_t *len, struct errbuf *e)
{
	char path[PATH_MAX];
	uint8_t *buf;

	if (state_path(path, sizeof(path), dir, file, e) != 0 ||
	    file_read(path, max, &buf, len, e) != 0)
		return -1;
	memcpy(out, buf, *len);
	free(buf);
	return 0;
}

/* The other files agree with the state file. */
static int
state_check_files(const char *dir, struct collect_state *st, struct errbuf *e)
{
	uint8_t id[STATE_ID_LEN];
	struct tpm_public pub;
	struct tpm_name name;
	TPM2B_PRIVATE priv;

	if (state_read_file(dir, VERIFIER_FILE, st->verifier_pem,
	    STATE_VERIFIER_PEM_MAX, &st->verifier_pem_len, e) != 0)
		return -1;
	if (state_verifier_key_check(st->verifier_pem, st->verifier_pem_len,
	    id, e) != 0)
		return err_prefix(e, "%s/%s", dir, VERIFIER_FILE);
	if (memcmp(id, st->verifier_id, STATE_ID_LEN) != 0)
		return err_set(e, "%s/%s does not match the verifier-id of "
		    "%s/%s", dir, VERIFIER_FILE, dir, STATE_FILE);
	if (state_read_file(dir, AK_PUB_FILE, st->ak_pub, sizeof(st->ak_pub),
	    &st->ak_pub_len, e) != 0)
		return -1;
	if (tpm_public_parse_2b(st->ak_pub, st->ak_pub_len, &pub, e) != 0 ||
	    tpm_public_name(&pub, &name, e) != 0)
		return err_prefix(e, "%s/%s", dir, AK_PUB_FILE);
	if (name.len != st->ak_name.len ||
	    memcmp(name.b, st->ak_name.b, name.len) != 0)
		return err_set(e, "%s/%s does not have the ak-name of %s/%s",
		    dir, AK_PUB_FILE, dir, STATE_FILE);
	if (st->ak_handle != 0)
		return 0;
	if (state_read_file(dir, AK_PRIV_FILE, st->ak_priv, sizeof(st->ak_priv),
	    &st->ak_priv_len, e) != 0)
		return -1;
	if (tpm_ak_private_parse(st->ak_priv, st->ak_priv_len, &priv, e) != 0)
		return err_prefix(e, "%s/%s", dir, AK_PRIV_FILE);
	return 0;
}

int
state_load(const char *dir, struct collect_state *st, bool *found,
    struct errbuf *e)
{
	char path[PATH_MAX];
	uint8_t *text;
	size_t len;
	int ret;

	memset(st, 0, sizeof(*st));
	*found = false;
	if (state_path(path, sizeof(path), dir, STATE_FILE, e) != 0)
		return -1;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if (file_read(path, STATE_FILE_MAX, &text, &len, e) != 0)
		return -1;
	if (memchr(text, '\0', len) != NULL)
		ret = err_set(e, "%s: NUL byte in a text file", path);
	else if ((ret = state_parse(st, (char *)text, e)) != 0)
		err_prefix(e, "%s", path);
	free(text);
	if (ret != 0 || state_check_files(dir, st, e) != 0) {
		memset(st, 0, sizeof(*st));
		return -1;
	}
	*found = true;
	return 0;
}

/* ---- writing ------------------------------------------------------------ */

static int
state_write_file(const char *dir, const char *file, const uint8_t *data,
    size_t len, struct errbuf *e)
{
	char path[PATH_MAX];

	if (state_path(path, sizeof(path), dir, file, e) != 0)
		return -1;
	return file_write_atomic(path, data, len, e);
}

static void
format_handle(char *out, size_t cap, uint32_t h)
{
	if (h == 0)
		snprintf(out, cap, "none");
	else
		snprintf(out, cap, "0x%08" PRIx32, h);
}

/* The state file's text into out (STATE_FILE_MAX bytes). */
static int
state_format(const struct collect_state *st, char *out, size_t cap,
    size_t *len, struct errbuf *e)
{
	char dev[2 * STATE_ID_LEN + 1], ver[2 * STATE_ID_LEN + 1];
	char name[2 * TPM_NAME_MAX_BYTES + 1], ekh[16], akh[16];
	int n;

	hex_encode(st->device_id, STATE_ID_LEN, dev);
	hex_encode(st->verifier_id, STATE_ID_LEN, ver);
	hex_encode(st->ak_name.b, st->ak_name.len, name);
	format_handle(ekh, sizeof(ekh), st->ek_handle);
	format_handle(akh, sizeof(akh), st->ak_handle);
	n = snprintf(out, cap,
	    "# dossier-collect device state: see dossier-collect(1), FILES\n"
	    "format=%d\ndevice-id=%s\nek-template=%s\nek-handle=%s\n"
	    "ak-handle=%s\nak-name=%s\nverifier-id=%s\n",
	    STATE_FORMAT, dev, st->ek_template, ekh, akh, name, ver);
	if (n < 0 || (size_t)n >= cap)
		return err_set(e, "state file too long");
	*len = (size_t)n;
	return 0;
}

int
state_save(const char *dir, const struct collect_state *st, struct errbuf *e)
{
	char text[STATE_FILE_MAX], path[PATH_MAX];
	size_t len = 0;

	if (st->verifier_pem_len == 0 || st->ak_pub_len == 0 ||
	    st->ak_name.len == 0 || st->ek_template[0] == '\0' ||
	    (st->ak_handle == 0 && st->ak_priv_len == 0))
		return err_set(e, "internal: incomplete state for %s", dir);
	if (state_format(st, text, sizeof(text), &len, e) != 0)
		return -1;
	if (state_write_file(dir, VERIFIER_FILE, st->verifier_pem,
	    st->verifier_pem_len, e) != 0 ||
	    state_write_file(dir, AK_PUB_FILE, st->ak_pub, st->ak_pub_len,
	    e) != 0)
		return -1;
	if (st->ak_handle == 0) {
		if (state_write_file(dir, AK_PRIV_FILE, st->ak_priv,
		    st->ak_priv_len, e) != 0)
			return -1;
	} else {
		if (state_path(path, sizeof(path), dir, AK_PRIV_FILE, e) != 0)
			return -1;
		if (unlink(path) != 0 && errno != ENOENT)
			return err_set(e, "cannot remove %s: %s", path,
			    strerror(errno));
	}
	return state_write_file(dir, STATE_FILE, (const uint8_t *)text, len, e);
}
