/*
 * test_members.c - format/members.h: the evidence member names, lookup by
 * name in read contents, and media types built and parsed strictly
 * (parameters matched by their exact name, so "xdigest=" is not
 * "digest=").
 */
#include <stdlib.h>
#include <string.h>

#include "format/members.h"
#include "tests/unit/check.h"

static void
test_names(void)
{
	char n[BUNDLE_MEMBER_NAME_MAX + 1];
	struct errbuf e;
	size_t i;

	for (i = 0; i < MEMBERS_REQUIRED_N; i++)
		CHECK(member_evidence_name(members_required[i]) &&
		    bundle_member_name_check(members_required[i], &e) == 0,
		    "required %s is an evidence name", members_required[i]);
	CHECK(member_ima_bank_name("sha384", n, sizeof(n), &e) == 0 &&
	    strcmp(n, "ima-sha384.log") == 0 && member_evidence_name(n) &&
	    member_is_ima_log(n), "ima-sha384.log built and known");
	CHECK(member_ek_chain_name(12, n, sizeof(n), &e) == 0 &&
	    strcmp(n, "ek-chain-12.crt") == 0 && member_evidence_name(n),
	    "ek-chain-12.crt built and known");
	CHECK(member_ima_bank_name("sha256-and-a-very-long-name", n, 16,
	    &e) == -1 && strstr(e.msg, "longer") != NULL,
	    "a name that does not fit: %s", e.msg);
	CHECK(!member_evidence_name("ima-md5.log") &&
	    !member_evidence_name("ek-chain-.crt") &&
	    !member_evidence_name("ek-chain-1a.crt") &&
	    !member_evidence_name("MANIFEST") &&
	    !member_evidence_name("quote.bin"),
	    "unknown names are not evidence names");
	CHECK(member_is_ima_log(MEMBER_IMA_LOG) && member_is_ima_log("ima-x.log")
	    && !member_is_ima_log("ima-.log") && !member_is_ima_log("uefi.log"),
	    "member_is_ima_log: ima.log and ima-<x>.log only");
}

static void
test_lookup(void)
{
	struct bundle_contents *bc;
	const uint8_t *d;
	size_t len = 99, i = 99;
	static uint8_t pcrs[] = "pcrs";

	if ((bc = calloc(1, sizeof(*bc))) == NULL)
		abort();
	bc->nmembers = 2;
	strcpy(bc->members[0].name, MEMBER_PCRS);
	bc->members[0].size = 4;
	bc->data[0] = pcrs;
	strcpy(bc->members[1].name, MEMBER_IMA_LOG);
	bc->members[1].size = 1000;	/* listed, not collected */
	d = bundle_member_data(bc, MEMBER_PCRS, &len);
	CHECK(d == pcrs && len == 4, "data of a collected member");
	d = bundle_member_data(bc, MEMBER_IMA_LOG, &len);
	CHECK(d == NULL && len == 0, "a member not collected has no data");
	CHECK(bundle_member_find(bc, MEMBER_IMA_LOG, &i) == &bc->members[1] &&
	    i == 1, "find gives the entry and its index");
	d = bundle_member_data(bc, MEMBER_QUOTE_SIG, &len);
	CHECK(d == NULL && len == 0 &&
	    bundle_member_find(bc, MEMBER_QUOTE_SIG, NULL) == NULL,
	    "an absent member");
	CHECK(bundle_member_find(NULL, MEMBER_PCRS, NULL) == NULL &&
	    bundle_member_data(NULL, MEMBER_PCRS, &len) == NULL,
	    "no contents: nothing found");
	free(bc);
}

static void
test_parse(void)
{
	struct media_type t;
	struct errbuf e;
	char v[16];

	CHECK(media_type_parse("Application/Vnd.Dossier.IMA-binary ;digest=sha256"
	    ";  ByteOrder=big", &t, &e) == 0 &&
	    strcmp(t.type, MEDIA_TYPE_IMA) == 0 && t.nparams == 2 &&
	    strcmp(media_type_get(&t, "digest"), "sha256") == 0 &&
	    strcmp(media_type_get(&t, "byteorder"), "big") == 0,
	    "type and names case-insensitive, spaces around ';'");
	CHECK(media_type_parse(MEDIA_TYPE_CERT, &t, &e) == 0 &&
	    t.nparams == 0, "no parameters");
	CHECK(media_type_param("a/b; xdigest=sha256", "digest", v, sizeof(v),
	    &e) == 0, "xdigest= is not digest=");
	CHECK(media_type_param("a/b; xdigest=md5; digest=sha384", "digest", v,
	    sizeof(v), &e) == 1 && strcmp(v, "sha384") == 0,
	    "digest= after xdigest=");
	CHECK(media_type_param("a/b; digest=sha256", "digest", v, 4, &e) == -1,
	    "a value that does not fit: %s", e.msg);
#define BAD(mt, what) \
	CHECK(media_type_parse(mt, &t, &e) == -1 && \
	    strstr(e.msg, what) != NULL, "refused '%s': %s", mt, e.msg)
	BAD("", "1 to");
	BAD("application", "no '/'");
	BAD("/x", "no valid type");
	BAD("a/", "no valid subtype");
	BAD("a/b digest=sha1", "';' or the end");
	BAD("a/b;", "no parameter name");
	BAD("a/b; digest", "no '='");
	BAD("a/b; digest=", "no parameter value");
	BAD("a/b; digest=\"sha1\"", "quoted");
	BAD("a/b; digest=sha1; DIGEST=sha256", "twice");
	BAD("a/b; a=1; b=2; c=3; d=4; e=5; f=6; g=7; h=8; i=9", "too many");
	BAD("a/b; d=s\x01", "printable");
#undef BAD
}

static void
test_ima(void)
{
	char mt[BUNDLE_MEDIA_TYPE_MAX + 1];
	const struct hashalg *alg;
	struct errbuf e;

	CHECK(media_type_ima(hashalg_by_name("sha256"), IMA_ORDER_BE, mt,
	    sizeof(mt), &e) == 0 && strcmp(mt, "application/vnd.dossier."
	    "ima-binary; digest=sha256; byteorder=big") == 0,
	    "built: %s", mt);
	CHECK(media_type_ima_digest(mt, NULL, &alg, &e) == 0 &&
	    alg == hashalg_by_name("sha256"), "read back: sha256");
	CHECK(media_type_ima(hashalg_by_name("sha1"), IMA_ORDER_LE, mt, 20,
	    &e) == -1, "built into too small a buffer: %s", e.msg);
	CHECK(media_type_ima_digest(MEDIA_TYPE_IMA, hashalg_by_name("sha1"),
	    &alg, &e) == 0 && alg == hashalg_by_name("sha1"),
	    "no digest=: the caller's default");
	CHECK(media_type_ima_digest(MEDIA_TYPE_IMA, NULL, &alg, &e) == -1,
	    "no digest= and no default: %s", e.msg);
	CHECK(media_type_ima_digest(MEDIA_TYPE_IMA "; xdigest=sha256",
	    hashalg_by_name("sha1"), &alg, &e) == 0 &&
	    alg == hashalg_by_name("sha1"), "xdigest= is not read as digest=");
	CHECK(media_type_ima_digest(MEDIA_TYPE_IMA "; digest=md4", NULL, &alg,
	    &e) == -1 && strstr(e.msg, "unknown digest 'md4'") != NULL,
	    "an unknown digest: %s", e.msg);
	CHECK(media_type_ima_digest(MEDIA_TYPE_UEFI "; digest=sha1", NULL,
	    &alg, &e) == -1 && strstr(e.msg, "is not") != NULL,
	    "not an IMA media type: %s", e.msg);
}

int
main(void)
{
	test_names();
	test_lookup();
	test_parse();
	test_ima();
	return check_finish();
}
