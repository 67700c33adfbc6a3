import SSTPTLS
import Testing

/// network-manager-sstp's tls-verify-method with tls-remotename, read as
/// pppd 2.5's EAP-TLS reads them (pppd/tls.c), without certificates.
@Suite struct EAPServerNameRuleTests {
    @Test func methodAndNameGiveTheRule() throws {
        #expect(try EAPServerNameRule(method: nil, name: nil) == .chainOnly)
        #expect(try EAPServerNameRule(method: "", name: "") == .chainOnly)
        #expect(try EAPServerNameRule(method: nil, name: "radius.test") == .host("radius.test"))
        #expect(try EAPServerNameRule(method: "none", name: "radius.test") == .chainOnly)
        #expect(try EAPServerNameRule(method: "none", name: nil) == .chainOnly)
        #expect(try EAPServerNameRule(method: "name", name: "radius.test") == .commonName("radius.test"))
        #expect(try EAPServerNameRule(method: "subject", name: "/CN=r") == .subject("/CN=r"))
        #expect(try EAPServerNameRule(method: "suffix", name: "test") == .commonNameSuffix("test"))
    }

    @Test func aComparingMethodNeedsTheName() {
        for method in ["name", "subject", "suffix"] {
            #expect(throws: EAPServerNameRuleError.nameMissing(method: method)) {
                try EAPServerNameRule(method: method, name: nil)
            }
        }
        #expect(throws: EAPServerNameRuleError.unknownMethod("cn")) {
            try EAPServerNameRule(method: "cn", name: "radius.test")
        }
        #expect(EAPServerNameRuleError.nameMissing(method: "name").description.contains("--eap-server-name"))
    }

    @Test func nameComparesTheCommonNameExactly() {
        let rule = EAPServerNameRule.commonName("radius.test")
        #expect(rule.matches(commonName: "radius.test", subjectLine: "/CN=radius.test"))
        #expect(!rule.matches(commonName: "RADIUS.test", subjectLine: "/CN=RADIUS.test"))
        #expect(!rule.matches(commonName: "radius.test.evil", subjectLine: "/CN=radius.test.evil"))
        #expect(!rule.matches(commonName: nil, subjectLine: "/O=radius.test"))
    }

    @Test func subjectComparesTheOneLineSubject() {
        let rule = EAPServerNameRule.subject("/C=DE/O=Example/CN=radius.example.com")
        #expect(rule.matches(commonName: "radius.example.com", subjectLine: "/C=DE/O=Example/CN=radius.example.com"))
        #expect(!rule.matches(commonName: "radius.example.com", subjectLine: "/C=DE/O=Other/CN=radius.example.com"))
        #expect(!rule.matches(commonName: "radius.example.com", subjectLine: "/CN=radius.example.com"))
    }

    @Test func suffixMatchesAtALabelBoundary() {
        let rule = EAPServerNameRule.commonNameSuffix("example.com")
        #expect(rule.matches(commonName: "example.com", subjectLine: ""))
        #expect(rule.matches(commonName: "radius.example.com", subjectLine: ""))
        #expect(rule.matches(commonName: "a.b.example.com", subjectLine: ""))
        // pppd compares bytes and would accept this one.
        #expect(!rule.matches(commonName: "badexample.com", subjectLine: ""))
        #expect(!rule.matches(commonName: "example.com.evil", subjectLine: ""))
        #expect(!rule.matches(commonName: "com", subjectLine: ""))
        #expect(!rule.matches(commonName: nil, subjectLine: ""))
        let dotted = EAPServerNameRule.commonNameSuffix(".example.com")
        #expect(dotted.matches(commonName: "radius.example.com", subjectLine: ""))
        #expect(!dotted.matches(commonName: "example.com", subjectLine: ""))
    }

    @Test func chainOnlyAndHostLeaveTheNameToOthers() {
        #expect(EAPServerNameRule.chainOnly.matches(commonName: nil, subjectLine: ""))
        #expect(EAPServerNameRule.host("radius.test").matches(commonName: "other", subjectLine: "/CN=other"))
    }
}
