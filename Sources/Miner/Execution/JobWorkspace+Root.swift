import Foundation
import Glibc
import ServiceRuntime

extension JobWorkspace {
    /// Mode of the folders the miner creates above `workspace.root` when jobs run as job
    /// users: searchable by them (they must pass through to their job folder), not listable.
    static let searchableParentMode: mode_t = 0o711

    /// Creates the missing folders above `root` (the root itself excluded: `DataDirectory`
    /// prepares it) with `searchableParentMode`, outermost first. Folders that exist are left
    /// alone: the confinement check names those the job users cannot pass.
    /// - Throws: `ConfigurationError.invalid(setting: "workspace.root", …)` naming the folder
    ///   that cannot be created.
    static func createSearchableParents(of root: String) throws(ConfigurationError) {
        var absolute = root
        if !absolute.hasPrefix("/") { absolute = FileManager.default.currentDirectoryPath + "/" + absolute }
        let components = URL(fileURLWithPath: absolute).standardizedFileURL.pathComponents.filter { $0 != "/" }
        var current = ""
        for component in components.dropLast() {
            current += "/" + component
            if mkdir(current, searchableParentMode) == 0 {
                // mkdir's mode passes through the umask; the job users need o+x whatever it is.
                guard chmod(current, searchableParentMode) == 0 else {
                    throw .invalid(setting: "workspace.root", reason: "cannot set mode 0711 on \(current): \(String(cString: strerror(errno)))")
                }
            } else if errno != EEXIST {
                throw .invalid(setting: "workspace.root", reason: "cannot create \(current): \(String(cString: strerror(errno)))")
            }
        }
    }
}
