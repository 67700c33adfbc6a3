import ArgumentParser
import SSTPOptions
import SSTPPlatform

/// `--config FILE` (sstp.conf(5)): read here, parsed and checked by
/// SSTPOptions.ConfigFileParser against the option table.
enum ConfigFile {
    static func load(path: String) throws(ValidationError) -> [OptionInput] {
        let bytes: [UInt8]
        do {
            bytes = try SecretFile.contents(path, limit: ConfigFileParser.maxBytes)
        } catch {
            throw ValidationError("--config: \(error)")
        }
        do {
            return try ConfigFileParser.parse(bytes, path: path)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
