/// The version of hermes and libhermesoauth; include/hermesoauth.h carries the same number.
public enum HermesVersion {
    public static let string = "0.1.0"
}
