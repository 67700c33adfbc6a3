#!/bin/sh
# Makes a throwaway PKI for the SSTPTLS tests (and the test server) in $1,
# with the openssl command line only. EC P-256 keys, SHA-256 signatures.
#
#   root.pem           CN=SSTP Test Root CA (self-signed)
#   int.pem            CN=SSTP Test Intermediate CA, issued by the root
#   <name>.pem         leaves issued by the intermediate (key: leaf.key):
#     sstp             SAN DNS:sstp.test, DNS:*.wild.test, IP:127.0.0.1, IP:::1, IP:10.99.0.1; EKU serverAuth
#     other            SAN DNS:other.test
#     expired          like sstp, valid 2020-01-01 .. 2020-02-01
#     future           like sstp, valid 2090-01-01 .. 2091-01-01
#     clientauth       like sstp, EKU clientAuth only
#     anyeku           like sstp, EKU anyExtendedKeyUsage only
#     anyeku-badku     EKU anyExtendedKeyUsage, keyUsage dataEncipherment only (unfit for TLS)
#     cnonly           CN=sstp.test, no subjectAltName
#     partial          SAN DNS:vpn*.partial.test (a partial wildcard, refused)
#   <name>-chain.pem   the leaf, then int.pem (what a server sends)
#   rsa.pem            like sstp, but an RSA 2048 key (rsa.key) with keyEncipherment,
#                      for suites with RSA key exchange (AES128-SHA); rsa-chain.pem
#   selfsigned.pem     self-signed CN=sstp.test with the sstp SANs (key: selfsigned.key)
#   other-root.pem, other-int.pem, other-leaf.pem: a second, untrusted PKI for sstp.test
#   other-leaf-chain.pem       other leaf + other intermediate
#   other-leaf-fullchain.pem   other leaf + other intermediate + other root
set -eu
out=$1
mkdir -p "$out"
cd "$out"

cat > ext.cnf <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[sstp]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:sstp.test, DNS:*.wild.test, IP:127.0.0.1, IP:::1, IP:10.99.0.1
[other]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.test
[clientauth]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:sstp.test
[anyeku]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = anyExtendedKeyUsage
subjectAltName = DNS:sstp.test
[partial]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:vpn*.partial.test
[anyeku-badku]
basicConstraints = CA:FALSE
keyUsage = critical, dataEncipherment
extendedKeyUsage = anyExtendedKeyUsage
subjectAltName = DNS:sstp.test
[cnonly]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
[rsa]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:sstp.test, IP:127.0.0.1, IP:10.99.0.1
[selfsigned]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:sstp.test, DNS:*.wild.test, IP:127.0.0.1, IP:::1, IP:10.99.0.1
CNF

# `openssl ca` is the one 3.0 command that takes explicit validity dates.
mkdir -p ca-db
: > ca-db/index.txt
cat > ca.cnf <<'CNF'
[ca]
default_ca = test_ca
[test_ca]
database = ca-db/index.txt
new_certs_dir = ca-db
rand_serial = yes
default_md = sha256
policy = any_name
unique_subject = no
email_in_dn = no
[any_name]
commonName = supplied
CNF

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
csr() { openssl req -new -config ext.cnf -key "$1" -subj "$2" -out "$3"; }
root() { # key pem subject
    openssl req -x509 -new -config ext.cnf -extensions ca_ext -key "$1" -subj "$3" \
        -days 3650 -sha256 -out "$2"
}
issue() { # csr issuer-pem issuer-key extensions out
    openssl x509 -req -in "$1" -CA "$2" -CAkey "$3" -set_serial "0x$(openssl rand -hex 8)" \
        -days 825 -sha256 -extfile ext.cnf -extensions "$4" -out "$5" 2>/dev/null
}
issue_dated() { # csr start end out
    openssl ca -config ca.cnf -batch -notext -cert int.pem -keyfile int.key -in "$1" \
        -startdate "$2" -enddate "$3" -extfile ext.cnf -extensions sstp -out "$4" 2>/dev/null
}

key root.key
root root.key root.pem "/CN=SSTP Test Root CA"
key int.key
csr int.key "/CN=SSTP Test Intermediate CA" int.csr
issue int.csr root.pem root.key ca_ext int.pem

key leaf.key
csr leaf.key "/CN=sstp.test" sstp.csr
csr leaf.key "/CN=other.test" other.csr
issue sstp.csr int.pem int.key sstp sstp.pem
issue other.csr int.pem int.key other other.pem
issue sstp.csr int.pem int.key clientauth clientauth.pem
issue sstp.csr int.pem int.key anyeku anyeku.pem
issue sstp.csr int.pem int.key anyeku-badku anyeku-badku.pem
issue sstp.csr int.pem int.key cnonly cnonly.pem
issue sstp.csr int.pem int.key partial partial.pem
issue_dated sstp.csr 20200101000000Z 20200201000000Z expired.pem
issue_dated sstp.csr 20900101000000Z 20910101000000Z future.pem
for name in sstp other clientauth anyeku anyeku-badku cnonly partial expired future; do
    cat "$name.pem" int.pem > "$name-chain.pem"
done

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key 2>/dev/null
csr rsa.key "/CN=sstp.test" rsa.csr
issue rsa.csr int.pem int.key rsa rsa.pem
cat rsa.pem int.pem > rsa-chain.pem

key selfsigned.key
openssl req -x509 -new -config ext.cnf -extensions selfsigned -key selfsigned.key \
    -subj "/CN=sstp.test" -days 825 -sha256 -out selfsigned.pem

key other-root.key
root other-root.key other-root.pem "/CN=Other Test Root CA"
key other-int.key
csr other-int.key "/CN=Other Test Intermediate CA" other-int.csr
issue other-int.csr other-root.pem other-root.key ca_ext other-int.pem
issue sstp.csr other-int.pem other-int.key sstp other-leaf.pem
cat other-leaf.pem other-int.pem > other-leaf-chain.pem
cat other-leaf.pem other-int.pem other-root.pem > other-leaf-fullchain.pem
