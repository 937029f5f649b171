import Foundation
import Glibc

/// The system's reason for a file error, as `strerror` says it ("No such file or directory"),
/// instead of Foundation's "The operation could not be completed. (NSCocoaErrorDomain error
/// 512.)" (issue 12: errors name the cause). Foundation keeps the errno as the underlying
/// POSIX error of its Cocoa errors; anything else is described as it is.
enum SystemErrorText {
    /// The `strerror` text of `error`'s errno when it carries one, else its description.
    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        guard nsError.domain == NSCocoaErrorDomain else { return "\(error)" }
        switch nsError.code {
        case NSFileReadNoSuchFileError, NSFileNoSuchFileError: return String(cString: strerror(ENOENT))
        case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: return String(cString: strerror(EACCES))
        default: return "\(error)"
        }
    }
}
