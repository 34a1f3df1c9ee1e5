/*
 * gen_eventlog.c - write a realistic crypto-agile (sha1 + sha256) UEFI
 * firmware event log (binary_bios_measurements), the PCR values it
 * replays to, and the extends a software TPM needs to reach them.
 *
 * The boot it describes: Spec ID Event03, StartupLocality, S-CRTM version,
 * a firmware blob and a POST code on PCR 0, SecureBoot/PK/KEK/db/dbx on
 * PCR 7 (dbx a real EFI_SIGNATURE_LIST of N SHA-256 entries, db/KEK/PK
 * X.509-typed lists), BootOrder on PCR 1, "Calling EFI Application from
 * Boot Option" on PCR 4, separators on PCRs 0-7, shim, GRUB and the kernel
 * as EV_EFI_BOOT_SERVICES_APPLICATION on PCR 4 (UEFI_IMAGE_LOAD_EVENT with
 * a device path), GRUB commands and kernel_cmdline on PCR 8 (digest of the
 * bare string, as GRUB does), kernel and initrd on PCR 9 (digest of the
 * file), ExitBootServices on PCR 5. Image and file digests are hashes of
 * fixed stand-in contents (an Authenticode hash needs an image; the log
 * cannot tell).
 *
 * Variants (for policy tests): --bootloader-variant N (another GRUB image
 * digest), --secureboot-off, --dbx-remove I (drop entry I of dbx),
 * --cmdline TEXT, --dbx-entries N, --locality N.
 *
 * The expected PCR values are computed here by a plain replay (OpenSSL
 * one-shot digests), independent of format/eventlog. --extends FILE
 * writes one line per extended event, "PCR:sha1=HEX,sha256=HEX", the
 * argument tpm2_pcrextend takes.
 *
 * Usage: gen_eventlog [options] -o LOG [--pcrs FILE] [--extends FILE]
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "format/hex.h"

#define LOG_MAX		(1u << 20)
#define DATA_MAX	(64u * 1024)

static uint8_t out[LOG_MAX];
static size_t outlen;
static uint8_t pcr1[24][20], pcr256[24][32];
static uint32_t touched;
static FILE *extends;
static unsigned locality;

static void
die(const char *m)
{
	fprintf(stderr, "gen_eventlog: %s\n", m);
	exit(2);
}

static void
put(const void *p, size_t n)
{
	if (LOG_MAX - outlen < n)
		die("log too large");
	memcpy(out + outlen, p, n);
	outlen += n;
}

static void
put32(uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 24) };

	put(b, 4);
}

static void
put16(uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	put(b, 2);
}

static void
le64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
hash(const char *md, const void *p, size_t n, uint8_t *o)
{
	if (!EVP_Digest(p, n, o, NULL, EVP_get_digestbyname(md), NULL))
		die("digest failed");
}

static void
extend(unsigned pcr, const uint8_t d1[20], const uint8_t d256[32])
{
	uint8_t b[64];
	char h1[41], h2[65];

	memcpy(b, pcr1[pcr], 20);
	memcpy(b + 20, d1, 20);
	hash("sha1", b, 40, pcr1[pcr]);
	memcpy(b, pcr256[pcr], 32);
	memcpy(b + 32, d256, 32);
	hash("sha256", b, 64, pcr256[pcr]);
	touched |= 1u << pcr;
	if (extends) {
		hex_encode(d1, 20, h1);
		hex_encode(d256, 32, h2);
		fprintf(extends, "%u:sha1=%s,sha256=%s\n", pcr, h1, h2);
	}
}

/* One TCG_PCR_EVENT2 whose digests are the hashes of what[0..wn). */
static void
event(unsigned pcr, uint32_t type, const void *data, size_t n,
    const void *what, size_t wn)
{
	uint8_t d1[20], d256[32];

	hash("sha1", what, wn, d1);
	hash("sha256", what, wn, d256);
	put32(pcr);
	put32(type);
	put32(2);
	put16(0x0004);
	put(d1, 20);
	put16(0x000b);
	put(d256, 32);
	put32((uint32_t)n);
	put(data, n);
	if (type != 3)
		extend(pcr, d1, d256);
}

static void
no_action(unsigned pcr, const void *data, size_t n)
{
	static const uint8_t z[32];

	put32(pcr);
	put32(3);
	put32(2);
	put16(0x0004);
	put(z, 20);
	put16(0x000b);
	put(z, 32);
	put32((uint32_t)n);
	put(data, n);
}

static const uint8_t guid_global[16] = { 0x61, 0xdf, 0xe4, 0x8b, 0xca,
    0x93, 0xd2, 0x11, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c };
static const uint8_t guid_imgsec[16] = { 0xcb, 0xb2, 0x19, 0xd7, 0x3a,
    0x3d, 0x96, 0x45, 0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f };
static const uint8_t guid_x509[16] = { 0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94,
    0xa7, 0x4a, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72 };
static const uint8_t guid_sha256[16] = { 0x26, 0x16, 0xc4, 0xc1, 0x4c,
    0x50, 0x92, 0x40, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28 };
static const uint8_t guid_owner[16] = { 0xbd, 0x9a, 0xfa, 0x77, 0x59,
    0x03, 0x32, 0x4d, 0xbd, 0x60, 0x28, 0xf4, 0xe7, 0x8f, 0x78, 0x4b };
static const uint8_t guid_disk[16] = { 0x5a, 0x1c, 0x3e, 0x4f, 0x22, 0x7b,
    0x1d, 0x4e, 0x9c, 0x2a, 0x61, 0x10, 0x07, 0x3b, 0x55, 0x21 };

/* UEFI_VARIABLE_DATA; the digest covers the whole structure. */
static void
variable(unsigned pcr, uint32_t type, const uint8_t *guid, const char *name,
    const uint8_t *val, size_t vlen, int hash_value_only)
{
	static uint8_t d[DATA_MAX];
	size_t nl = strlen(name), i, n = 32 + 2 * nl + vlen;

	if (n > DATA_MAX)
		die("variable too large");
	memcpy(d, guid, 16);
	le64(d + 16, nl);
	le64(d + 24, vlen);
	for (i = 0; i < nl; i++) {
		d[32 + 2 * i] = (uint8_t)name[i];
		d[33 + 2 * i] = 0;
	}
	memcpy(d + 32 + 2 * nl, val, vlen);
	if (hash_value_only)
		event(pcr, type, d, n, val, vlen);
	else
		event(pcr, type, d, n, d, n);
}

/* One EFI_SIGNATURE_LIST of count entries of size dsize (seeded). */
static size_t
siglist(uint8_t *p, const uint8_t *type, size_t count, size_t dsize,
    const char *seed, long skip)
{
	size_t i, k = 0, o = 28, ssize = 16 + dsize, j;
	uint8_t h[32];
	char s[64];

	memcpy(p, type, 16);
	le32(p + 20, 0);
	le32(p + 24, (uint32_t)ssize);
	for (i = 0; i < count; i++) {
		if ((long)i == skip)
			continue;
		memcpy(p + o, guid_owner, 16);
		for (j = 0; j < dsize; j += 32) {
			snprintf(s, sizeof(s), "%s %zu %zu", seed, i, j);
			hash("sha256", s, strlen(s), h);
			memcpy(p + o + 16 + j, h, dsize - j < 32 ? dsize - j :
			    32);
		}
		o += ssize;
		k++;
	}
	le32(p + 16, (uint32_t)o);
	(void)k;
	return o;
}

static void
ucs2(uint8_t *p, const char *s, size_t *n)
{
	size_t i, l = strlen(s);

	for (i = 0; i <= l; i++) {
		p[2 * i] = (uint8_t)s[i];
		p[2 * i + 1] = 0;
	}
	*n = 2 * (l + 1);
}

/* UEFI_IMAGE_LOAD_EVENT, device path HD(1,GPT,disk)/path or none. */
static void
app(const char *path, const char *image)
{
	uint8_t d[1024], *dp = d + 32;
	size_t n = 0, fl;

	memset(d, 0, 32);
	le64(d, 0x7a3f1000);
	le64(d + 8, 0x12a000 + strlen(image));
	if (path != NULL) {
		dp[0] = 4;	/* media: hard drive */
		dp[1] = 1;
		dp[2] = 42;
		dp[3] = 0;
		memset(dp + 4, 0, 38);
		le32(dp + 4, 1);
		le64(dp + 8, 2048);
		le64(dp + 16, 1048576);
		memcpy(dp + 24, guid_disk, 16);
		dp[40] = 2;	/* GPT */
		dp[41] = 2;
		n = 42;
		dp[n] = 4;	/* media: file path */
		dp[n + 1] = 4;
		ucs2(dp + n + 4, path, &fl);
		dp[n + 2] = (uint8_t)(fl + 4);
		dp[n + 3] = 0;
		n += fl + 4;
		dp[n] = 0x7f;
		dp[n + 1] = 0xff;
		dp[n + 2] = 4;
		dp[n + 3] = 0;
		n += 4;
	}
	le64(d + 24, n);
	event(4, 0x80000003, d, 32 + n, image, strlen(image));
}

/* GRUB: the event data is prefix + string + NUL, the digest H(string). */
static void
grub(unsigned pcr, const char *prefix, const char *s)
{
	char d[4096];
	size_t n;

	n = (size_t)snprintf(d, sizeof(d), "%s%s", prefix, s);
	if (n >= sizeof(d))
		die("grub string too long");
	event(pcr, 0x0000000d, d, n + 1, s, strlen(s));
}

static void
string_event(unsigned pcr, uint32_t type, const char *s)
{
	event(pcr, type, s, strlen(s), s, strlen(s));
}

/* GRUB's file measurement on PCR 9: data the path (with NUL), digest
 * the file's contents. */
static void
file_event(const char *path, const char *contents)
{
	event(9, 0x0000000d, path, strlen(path) + 1, contents,
	    strlen(contents));
}

static void
usage(void)
{
	fputs("usage: gen_eventlog -o LOG [--pcrs FILE] [--extends FILE]\n"
	    "       [--bootloader-variant N] [--secureboot-off] "
	    "[--dbx-entries N]\n"
	    "       [--dbx-remove I] [--cmdline TEXT] [--locality N]\n",
	    stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pcrs", required_argument, NULL, 'p' },
		{ "extends", required_argument, NULL, 'x' },
		{ "bootloader-variant", required_argument, NULL, 'b' },
		{ "secureboot-off", no_argument, NULL, 's' },
		{ "dbx-entries", required_argument, NULL, 'n' },
		{ "dbx-remove", required_argument, NULL, 'r' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "locality", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	static uint8_t buf[DATA_MAX];
	const char *log = NULL, *pcrs = NULL, *xf = NULL;
	const char *cmdline = "root=UUID=0f5a2e4c-6c1b-4a43-9d5e-2b7e9a0c1d11 "
	    "ro quiet";
	char grubimg[64], s[1024], hex[65];
	unsigned variant = 0, p;
	size_t dbx_n = 5, n;
	long dbx_skip = -1;
	int sb = 1, c;
	FILE *f;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': log = optarg; break;
		case 'p': pcrs = optarg; break;
		case 'x': xf = optarg; break;
		case 'b': variant = (unsigned)atoi(optarg); break;
		case 's': sb = 0; break;
		case 'n': dbx_n = (size_t)atoi(optarg); break;
		case 'r': dbx_skip = atol(optarg); break;
		case 'c': cmdline = optarg; break;
		case 'l': locality = (unsigned)atoi(optarg); break;
		default: usage();
		}
	}
	if (log == NULL || optind != argc || dbx_n > 1000 || locality > 4)
		usage();
	if (xf != NULL && (extends = fopen(xf, "w")) == NULL)
		die("cannot write the extends file");

	/* Spec ID Event03 in the SHA-1 layout */
	memset(buf, 0, 64);
	memcpy(buf, "Spec ID Event03", 16);
	buf[20] = 0;		/* spec 2.0 errata 0 */
	buf[21] = 2;
	buf[22] = 0;
	buf[23] = 2;		/* uintnSize: 64-bit */
	le32(buf + 24, 2);
	buf[28] = 0x04; buf[29] = 0; buf[30] = 20; buf[31] = 0;
	buf[32] = 0x0b; buf[33] = 0; buf[34] = 32; buf[35] = 0;
	buf[36] = 0;		/* vendorInfoSize */
	put32(0);
	put32(3);
	put(buf + 40, 20);	/* zero digest (buf[40..60) is zero) */
	put32(37);
	put(buf, 37);
	memcpy(buf, "StartupLocality", 16);
	buf[16] = (uint8_t)locality;
	no_action(0, buf, 17);
	/* PCR 0 starts at the locality: the TPM reset it so */
	pcr1[0][19] = (uint8_t)locality;
	pcr256[0][31] = (uint8_t)locality;

	ucs2(buf, "1.0.0 (dossier test firmware)", &n);
	event(0, 0x00000008, buf, n, buf, n);		/* EV_S_CRTM_VERSION */
	le64(buf, 0xffe00000);
	le64(buf + 8, 0x200000);
	event(0, 0x80000008, buf, 16, "firmware volume 0", 17);
	string_event(0, 0x00000001, "ACPI DATA");	/* EV_POST_CODE */

	buf[0] = (uint8_t)sb;
	variable(7, 0x80000001, guid_global, "SecureBoot", buf, 1, 0);
	n = siglist(buf, guid_x509, 1, 800, "PK certificate", -1);
	variable(7, 0x80000001, guid_global, "PK", buf, n, 0);
	n = siglist(buf, guid_x509, 2, 1200, "KEK certificate", -1);
	variable(7, 0x80000001, guid_global, "KEK", buf, n, 0);
	n = siglist(buf, guid_x509, 2, 1400, "db certificate", -1);
	variable(7, 0x80000001, guid_imgsec, "db", buf, n, 0);
	n = siglist(buf, guid_sha256, dbx_n, 32, "dbx revoked hash",
	    dbx_skip);
	variable(7, 0x80000001, guid_imgsec, "dbx", buf, n, 0);
	le32(buf, 0);
	event(7, 0x00000004, buf, 4, buf, 4);		/* separator 7 */

	buf[0] = 1; buf[1] = 0; buf[2] = 0; buf[3] = 0;	/* BootOrder 0001,0000 */
	variable(1, 0x80000002, guid_global, "BootOrder", buf, 4, 1);
	string_event(4, 0x80000007,
	    "Calling EFI Application from Boot Option");
	for (p = 0; p < 7; p++) {
		le32(buf, 0);
		event(p, 0x00000004, buf, 4, buf, 4);
	}

	app("\\EFI\\debian\\shimx64.efi", "shim 15.7 image");
	snprintf(grubimg, sizeof(grubimg), "grub 2.06 image%s%u",
	    variant ? " variant " : "", variant);
	if (variant == 0)
		grubimg[strlen("grub 2.06 image")] = '\0';
	app("\\EFI\\debian\\grubx64.efi", grubimg);
	grub(8, "grub_cmd: ", "set root=hd0,gpt2");
	grub(8, "grub_cmd: ", "insmod gzio");
	snprintf(s, sizeof(s), "linux /boot/vmlinuz-6.1.0-13-amd64 %s",
	    cmdline);
	grub(8, "grub_cmd: ", s);
	file_event("/boot/vmlinuz-6.1.0-13-amd64", "kernel file contents");
	snprintf(s, sizeof(s), "/boot/vmlinuz-6.1.0-13-amd64 %s", cmdline);
	grub(8, "kernel_cmdline: ", s);
	grub(8, "grub_cmd: ", "initrd /boot/initrd.img-6.1.0-13-amd64");
	file_event("/boot/initrd.img-6.1.0-13-amd64", "initrd file contents");
	app(NULL, "linux 6.1.0-13-amd64 image");
	string_event(5, 0x80000007, "Exit Boot Services Invocation");
	string_event(5, 0x80000007, "Exit Boot Services Returned with Success");

	if ((f = fopen(log, "wb")) == NULL || fwrite(out, 1, outlen, f) !=
	    outlen || fclose(f) != 0)
		die("cannot write the log");
	if (extends != NULL && fclose(extends) != 0)
		die("cannot write the extends file");
	if (pcrs != NULL) {
		if ((f = fopen(pcrs, "w")) == NULL)
			die("cannot write the PCR file");
		for (p = 0; p < 24; p++) {
			if (!(touched & (1u << p)))
				continue;
			hex_encode(pcr1[p], 20, hex);
			fprintf(f, "sha1 %u %s\n", p, hex);
		}
		for (p = 0; p < 24; p++) {
			if (!(touched & (1u << p)))
				continue;
			hex_encode(pcr256[p], 32, hex);
			fprintf(f, "sha256 %u %s\n", p, hex);
		}
		if (fclose(f) != 0)
			die("cannot write the PCR file");
	}
	return 0;
}
