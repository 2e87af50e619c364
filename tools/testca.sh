#!/bin/sh
# SPDX-License-Identifier: MIT
# testca.sh DIR: a throwaway certificate authority and a server certificate for loopback tests.
#
# Creates in DIR (idempotent: an existing, valid set is kept):
#   ca.key ca.crt ca.der      the CA (PEM key, PEM and DER certificate)
#   server.key server.crt     server certificate for IP:127.0.0.1, DNS:localhost, signed by the CA
#                             (also DNS:127.0.0.1: Wine 8's crypt32 SSL policy matches the host
#                             name only against dNSName entries, so an IP entry alone fails there)
#   server-chain.crt          server.crt followed by ca.crt
#   ca.reg                    REGEDIT4 file putting the CA into HKLM's Root store of a Wine prefix
#                             (`wine regedit /S ca.reg`; checked with Wine 8's WinHTTP)
# and prints `name=path` lines plus `ca_sha1=` (the CA thumbprint, as Windows stores name it).
# Nothing is installed anywhere: trusting the CA is up to the caller (e.g. a test Wine prefix).
set -eu

usage() { echo "usage: $0 DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
dir=$1
command -v openssl >/dev/null 2>&1 || { echo "testca.sh: openssl not found" >&2; exit 1; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# one generator at a time per DIR (parallel fixtures)
if command -v flock >/dev/null 2>&1; then
    exec 9>"$dir/.testca.lock"
    flock -w 60 9 || { echo "testca.sh: $dir is locked" >&2; exit 1; }
fi

ca_key=$dir/ca.key ca_crt=$dir/ca.crt ca_der=$dir/ca.der
srv_key=$dir/server.key srv_crt=$dir/server.crt chain=$dir/server-chain.crt

valid() {
    for f in "$ca_key" "$ca_crt" "$ca_der" "$srv_key" "$srv_crt" "$chain"; do
        [ -s "$f" ] || return 1
    done
    # signed by this CA, usable for at least another day, names present, key matches
    openssl verify -CAfile "$ca_crt" "$srv_crt" >/dev/null 2>&1 || return 1
    openssl x509 -in "$srv_crt" -noout -checkend 86400 >/dev/null 2>&1 || return 1
    openssl x509 -in "$ca_crt" -noout -checkend 86400 >/dev/null 2>&1 || return 1
    san=$(openssl x509 -in "$srv_crt" -noout -ext subjectAltName 2>/dev/null) || return 1
    case $san in *"IP Address:127.0.0.1"*) ;; *) return 1 ;; esac
    case $san in *"DNS:localhost"*) ;; *) return 1 ;; esac
    case $san in *"DNS:127.0.0.1"*) ;; *) return 1 ;; esac
    a=$(openssl x509 -in "$srv_crt" -noout -pubkey | openssl sha256)
    b=$(openssl pkey -in "$srv_key" -pubout | openssl sha256)
    [ "$a" = "$b" ]
}

if ! valid; then
    tmp=$(mktemp -d "$dir/.testca.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    umask 077
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/ca.key" 2>/dev/null
    cat > "$tmp/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
CN = bitsdo test CA (throwaway)
O = bitsdo tests
[v3_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
    openssl req -new -x509 -key "$tmp/ca.key" -config "$tmp/ca.cnf" -days 3650 -sha256 \
        -set_serial "0x$(openssl rand -hex 8)" -out "$tmp/ca.crt"
    openssl x509 -in "$tmp/ca.crt" -outform DER -out "$tmp/ca.der"

    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/server.key" 2>/dev/null
    cat > "$tmp/server.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = localhost
O = bitsdo tests
[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost, DNS:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    openssl req -new -key "$tmp/server.key" -config "$tmp/server.cnf" -out "$tmp/server.csr"
    openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" \
        -set_serial "0x$(openssl rand -hex 8)" -days 825 -sha256 \
        -extfile "$tmp/server.cnf" -extensions v3_server -out "$tmp/server.crt" 2>/dev/null
    cat "$tmp/server.crt" "$tmp/ca.crt" > "$tmp/server-chain.crt"
    chmod 644 "$tmp/ca.crt" "$tmp/ca.der" "$tmp/server.crt" "$tmp/server-chain.crt"
    # keys readable by the owner only; nginx reads them as its master process (same user)
    for f in ca.key ca.crt ca.der server.key server.crt server-chain.crt; do
        mv -f "$tmp/$f" "$dir/$f"
    done
    rm -rf "$tmp"
    trap - EXIT
    valid || { echo "testca.sh: generated certificates do not verify" >&2; exit 1; }
fi

sha1=$(openssl x509 -in "$ca_crt" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')

# Root store entry: value "Blob" = serialized certificate element: property id 32
# (CERT_CERT_PROP_ID), 1, length (all little-endian DWORDs), then the DER certificate.
len=$(wc -c < "$ca_der" | tr -d ' ')
{
    printf 'REGEDIT4\r\n\r\n'
    printf '[HKEY_LOCAL_MACHINE\\Software\\Microsoft\\SystemCertificates\\Root\\Certificates\\%s]\r\n' "$sha1"
    printf '"Blob"=hex:20,00,00,00,01,00,00,00,%02x,%02x,%02x,%02x,' \
        $((len & 255)) $(((len >> 8) & 255)) $(((len >> 16) & 255)) $(((len >> 24) & 255))
    od -An -tx1 -v "$ca_der" | tr -s ' \n' ',' | sed 's/^,//; s/,$//'
    printf '\r\n'
} > "$dir/ca.reg.tmp"
mv -f "$dir/ca.reg.tmp" "$dir/ca.reg"
echo "ca_key=$ca_key"
echo "ca_cert=$ca_crt"
echo "ca_der=$ca_der"
echo "ca_sha1=$sha1"
echo "ca_reg=$dir/ca.reg"
echo "server_key=$srv_key"
echo "server_cert=$srv_crt"
echo "server_chain=$chain"
