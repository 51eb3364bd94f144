#!/bin/sh
# Regenerates the test-only TLS material used by the data-plane tests (https against the simulated
# Milvus RESTful API): a CA, a server certificate it signs for 127.0.0.1 and localhost, valid for 100
# years, and an unrelated CA the server does not chain to. keytool only (the JDK's); run in this folder.
set -e
rm -f ca.p12 server.p12 other-ca.p12 ca.pem other-ca.pem server.csr server.pem
P=changeit
keytool -genkeypair -keystore ca.p12 -storetype PKCS12 -storepass $P -alias ca -keyalg EC -groupname secp256r1 \
    -dname "CN=milvus-upgrade test CA" -ext bc:c -validity 36500
keytool -exportcert -rfc -keystore ca.p12 -storepass $P -alias ca -file ca.pem
keytool -genkeypair -keystore server.p12 -storetype PKCS12 -storepass $P -alias server -keyalg EC -groupname secp256r1 \
    -dname "CN=simulated-milvus" -validity 36500
keytool -certreq -keystore server.p12 -storepass $P -alias server -file server.csr
keytool -gencert -keystore ca.p12 -storepass $P -alias ca -infile server.csr -outfile server.pem -rfc -validity 36500 \
    -ext san=ip:127.0.0.1,dns:localhost -ext ku:c=digitalSignature -ext eku=serverAuth
keytool -importcert -noprompt -keystore server.p12 -storepass $P -alias ca -file ca.pem
keytool -importcert -keystore server.p12 -storepass $P -alias server -file server.pem
keytool -genkeypair -keystore other-ca.p12 -storetype PKCS12 -storepass $P -alias ca -keyalg EC -groupname secp256r1 \
    -dname "CN=some other CA" -ext bc:c -validity 36500
keytool -exportcert -rfc -keystore other-ca.p12 -storepass $P -alias ca -file other-ca.pem
rm -f ca.p12 other-ca.p12 server.csr server.pem
