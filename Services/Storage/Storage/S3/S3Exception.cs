namespace Platform.Storage.S3;

/// <summary>An S3 error: the HTTP status and S3's code for it, answered as S3's XML error (<see cref="S3Xml.Error"/>).</summary>
internal sealed class S3Exception(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public static S3Exception Malformed(string message) => new(400, "AuthorizationHeaderMalformed", message);

    public static S3Exception NoSuchBucket(string bucket) => new(404, "NoSuchBucket", $"The bucket '{bucket}' does not exist.");

    public static S3Exception NoSuchKey(string key) => new(404, "NoSuchKey", $"The key '{key}' does not exist.");

    public static S3Exception NoSuchUpload(string uploadId) => new(404, "NoSuchUpload", $"There is no multipart upload '{uploadId}' in progress.");

    public static S3Exception InvalidArgument(string message) => new(400, "InvalidArgument", message);

    public static S3Exception SignatureMismatch(string message) => new(403, "SignatureDoesNotMatch", message);
}
