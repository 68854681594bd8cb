using System.Globalization;
using System.Text;

namespace Distri.Cli;

/// <summary>
/// stderr as distri writes it. Messages quote what repositories and images chose (names, YAML
/// values, file names), so a hostile one could otherwise move the cursor, recolour or retitle the
/// owner's terminal, or split one problem over many lines: control characters are written escaped
/// (<c>\x1B</c>), each written line stays one line, and it stops at <see cref="MaxLineChars"/>.
/// One place, for every command and for the /ro daemon's log.
/// </summary>
internal sealed class PrintableWriter(TextWriter inner) : TextWriter
{
    public const int MaxLineChars = 4096;

    private int _column;

    public override Encoding Encoding => inner.Encoding;

    /// <summary>Installs it on <see cref="Console.Error"/>.</summary>
    public static void InstallOnStandardError() => Console.SetError(Synchronized(new PrintableWriter(Console.Error)));

    /// <summary>Text with its control characters written as <c>\xNN</c>: for hostile text printed elsewhere (stdout).</summary>
    public static string Escape(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text) builder.Append(char.IsControl(c) ? EscapeChar(c) : c);
        return builder.ToString();
    }

    // A line break passes only as the end of a WriteLine; inside a value it is escaped too.
    // Each call reaches the inner writer as one write, so a line is one write(2) on stderr.
    public override void Write(char value)
    {
        var text = new StringBuilder();
        if (value == '\n') EndLine(text);
        else Append(text, value);
        inner.Write(text.ToString());
    }

    public override void Write(string? value)
    {
        var text = new StringBuilder();
        foreach (var c in value ?? "")
        {
            if (c == '\n') EndLine(text);
            else Append(text, c);
        }
        inner.Write(text.ToString());
    }

    public override void WriteLine(string? value)
    {
        var text = new StringBuilder();
        foreach (var c in value ?? "") Append(text, c);
        EndLine(text);
        inner.Write(text.ToString());
    }

    public override void Flush() => inner.Flush();

    private void EndLine(StringBuilder text)
    {
        text.Append('\n');
        _column = 0;
    }

    private void Append(StringBuilder text, char value)
    {
        if (_column > MaxLineChars) return;
        if (_column == MaxLineChars)
        {
            text.Append(" …");
            _column++;
            return;
        }
        if (char.IsControl(value))
        {
            var escaped = EscapeChar(value);
            text.Append(escaped);
            _column += escaped.Length;
        }
        else
        {
            text.Append(value);
            _column++;
        }
    }

    private static string EscapeChar(char c) => "\\x" + ((int)c).ToString("X2", CultureInfo.InvariantCulture);
}
